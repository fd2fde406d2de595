import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MetrcError, MetrcRateLimitError, MetrcUnavailableError } from '../../../integrations/metrc/errors.js';
import { findLiveReceipt, findTemplatesByName } from '../../../integrations/metrc/reconcile.js';
import { DEMO_RETAILERS, DEMO_WHOLESALERS, demoPackagesFor } from '../../../sandboxes/metrc/demo-data.js';
import { faultsFromEnv, NO_FAULTS } from '../../../sandboxes/metrc/faults.js';
import { allTime, recentWindow, startSandbox, templateInput } from './sandbox-helpers.js';

const SHIPPER = DEMO_WHOLESALERS[0]!.licenseNumber;
const RETAILER = DEMO_RETAILERS[0]!.licenseNumber;
const OTHER_RETAILER = DEMO_RETAILERS[1]!.licenseNumber;
const labels = demoPackagesFor(SHIPPER).map((p) => p.label);
const retailPackage = demoPackagesFor(RETAILER).find((p) => p.unitOfMeasure === 'Each')!;

let env: Awaited<ReturnType<typeof startSandbox>>;
beforeAll(async () => {
  env = await startSandbox({ rateLimits: false });
});
afterAll(() => env.running.close());
beforeEach(async () => {
  await env.admin('POST', '/reset');
});

async function rejection(p: Promise<unknown>): Promise<MetrcError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MetrcError);
  return e as MetrcError;
}

const setFaults = async (faults: Record<string, unknown>) => {
  const res = await env.admin('PUT', '/faults', faults);
  expect(res.status).toBe(200);
};

describe('fault injection', () => {
  it('errorRate=1 gives 500s: MetrcUnavailableError, ambiguous for the POST only', async () => {
    await setFaults({ errorRate: 1 });
    const get = (await rejection(env.client().getFacilities())) as MetrcUnavailableError;
    expect(get).toBeInstanceOf(MetrcUnavailableError);
    expect([get.status, get.kind, get.ambiguous]).toEqual([500, 'server', false]);
    const post = (await rejection(
      env.client().createOutgoingTemplates(SHIPPER, [templateInput('E', RETAILER, labels.slice(0, 1))]),
    )) as MetrcUnavailableError;
    expect(post.ambiguous).toBe(true);
    // A 500 from the fault layer happens before the route: nothing was written.
    expect((await env.admin('GET', '/state')).body.counts.templates).toBe(0);
  });

  it('htmlOutageRate=1 serves the IIS page, seen as an outage', async () => {
    await setFaults({ htmlOutageRate: 1 });
    const res = await env.raw('GET', '/facilities/v2/');
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/Service Unavailable/);
    const err = (await rejection(env.client().getFacilities())) as MetrcUnavailableError;
    expect([err.status, err.kind]).toEqual([503, 'outage-page']);
  });

  it('an HTML outage page with status 200 is still an outage', async () => {
    await setFaults({ htmlOutageRate: 1, htmlOutageStatus: 200 });
    const err = (await rejection(env.client().listTransferTypes(SHIPPER))) as MetrcUnavailableError;
    expect(err).toBeInstanceOf(MetrcUnavailableError);
    expect(err.status).toBe(200);
  });

  it('rateLimitRate=1 answers 429 with the configured Retry-After', async () => {
    await setFaults({ rateLimitRate: 1, retryAfterSeconds: 3 });
    const err = await rejection(env.client().getFacilities());
    expect(err).toBeInstanceOf(MetrcRateLimitError);
    expect((err as MetrcRateLimitError).retryAfterMs).toBe(3000);
  });

  it('limits faults to the configured methods and count, and the GET retry rides over one fault', async () => {
    await setFaults({ errorRate: 1, methods: ['GET'], remaining: 1 });
    const facilities = await env.client({ getRetries: 1, retryBaseDelayMs: 1 }).getFacilities();
    expect(facilities.length).toBeGreaterThan(0);
    const state = (await env.admin('GET', '/state')).body;
    expect(state.counters.faults).toEqual({ error: 1 });
    expect(state.faults.remaining).toBe(0);
  });

  it('refuses an invalid fault setting', async () => {
    expect((await env.admin('PUT', '/faults', { errorRate: 2 })).status).toBe(400);
    expect((await env.admin('PUT', '/faults', { errrorRate: 0.5 })).status).toBe(400);
    expect((await env.admin('GET', '/faults')).body).toEqual(NO_FAULTS);
  });

  it('reset restores the faults the sandbox was started with', async () => {
    const started = await startSandbox({ faults: { errorRate: 1, methods: ['POST'] } });
    try {
      await started.admin('PUT', '/faults', {});
      expect((await started.admin('GET', '/faults')).body.errorRate).toBe(0);
      await started.admin('POST', '/reset');
      expect((await started.admin('GET', '/faults')).body).toMatchObject({ errorRate: 1, methods: ['POST'] });
    } finally {
      await started.running.close();
    }
  });

  it('reads METRC_SANDBOX_FAULTS from the environment', () => {
    expect(faultsFromEnv({})).toEqual(NO_FAULTS);
    expect(faultsFromEnv({ METRC_SANDBOX_FAULTS: '{"dropResponseRate":0.25,"latencyMs":50}' })).toMatchObject({
      dropResponseRate: 0.25,
      latencyMs: 50,
      errorRate: 0,
    });
    expect(() => faultsFromEnv({ METRC_SANDBOX_FAULTS: '{"errorRate":-1}' })).toThrow(/METRC_SANDBOX_FAULTS/);
    expect(() => faultsFromEnv({ METRC_SANDBOX_FAULTS: 'not json' })).toThrow(/METRC_SANDBOX_FAULTS/);
  });

  it('partial fault rates follow the seeded dice', async () => {
    await setFaults({ errorRate: 0.5, methods: ['GET'] });
    let failures = 0;
    for (let i = 0; i < 40; i++) {
      failures += await env
        .client()
        .listTransferTypes(SHIPPER)
        .then(
          () => 0,
          () => 1,
        );
    }
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
  });
});

describe('dropped responses and reconciliation by natural key', () => {
  it('a dropped template POST is committed, the client says ambiguous, and reconciling avoids a duplicate', async () => {
    await setFaults({ dropResponseRate: 1, methods: ['POST'], remaining: 1 });
    const client = env.client();
    const input = templateInput('SO-2001', RETAILER, labels.slice(0, 2));
    const err = (await rejection(client.createOutgoingTemplates(SHIPPER, [input]))) as MetrcUnavailableError;
    expect(err).toBeInstanceOf(MetrcUnavailableError);
    expect([err.kind, err.ambiguous]).toEqual(['network', true]);
    expect((await env.admin('GET', '/state')).body.templatesByName).toEqual({ 'SO-2001': 1 });

    // What a careful activity does before retrying: look the write up by its natural key.
    const found = await findTemplatesByName(client, SHIPPER, 'SO-2001', recentWindow());
    if (found.length === 0) await client.createOutgoingTemplates(SHIPPER, [input]);
    expect(found).toHaveLength(1);
    expect((await env.admin('GET', '/state')).body.templatesByName).toEqual({ 'SO-2001': 1 });
  });

  it('METRC has no idempotency: blindly resending the same template duplicates it', async () => {
    const client = env.client();
    const input = templateInput('SO-2002', RETAILER, labels.slice(2, 3));
    await client.createOutgoingTemplates(SHIPPER, [input]);
    await client.createOutgoingTemplates(SHIPPER, [input]);
    expect((await env.admin('GET', '/state')).body.templatesByName).toEqual({ 'SO-2002': 2 });
  });

  it('a dropped receipt POST moved stock once and is found by ExternalReceiptNumber', async () => {
    await setFaults({ dropResponseRate: 1, methods: ['POST'], pathPrefix: '/sales/', remaining: 1 });
    const client = env.client();
    const receipt = {
      SalesDateTime: '2026-03-02T10:00:00',
      SalesCustomerType: 'Consumer',
      ExternalReceiptNumber: 'POS-DROP-1',
      Transactions: [{ PackageLabel: retailPackage.label, Quantity: 2, UnitOfMeasure: 'Each', TotalAmount: 40 }],
    };
    const err = (await rejection(client.createReceipts(RETAILER, [receipt]))) as MetrcUnavailableError;
    expect(err.ambiguous).toBe(true);
    const live = await findLiveReceipt(client, RETAILER, 'POS-DROP-1');
    expect(live?.Transactions.map((t) => t.Quantity)).toEqual([2]);
    const pkg = await client.getPackageByLabel(RETAILER, retailPackage.label);
    expect(pkg?.Quantity).toBe(retailPackage.quantity - 2);
    expect((await env.admin('GET', '/state')).body.receiptsByExternalNumber).toEqual({ 'POS-DROP-1': 1 });
    expect(await findLiveReceipt(client, RETAILER, 'POS-NEVER-SENT')).toBeNull();
  });

  it('a write that outlives the client timeout still commits: the timeout is ambiguous', async () => {
    await setFaults({ latencyMs: 400, methods: ['POST'] });
    const client = env.client({ timeoutMs: 100 });
    const err = (await rejection(
      client.createOutgoingTemplates(SHIPPER, [templateInput('SLOW-1', RETAILER, labels.slice(4, 5))]),
    )) as MetrcUnavailableError;
    expect([err.kind, err.ambiguous]).toEqual(['timeout', true]);
    await new Promise((r) => setTimeout(r, 600));
    expect((await env.admin('GET', '/state')).body.templatesByName).toEqual({ 'SLOW-1': 1 });
  });
});

describe('token-bucket rate limits', () => {
  it('answers 429 + Retry-After once a facility exceeds its GETs per second, per facility, GET only', async () => {
    const limited = await startSandbox({ rateLimits: { perFacilityPerSecond: 2, perVendorKeyPerSecond: 100 } });
    try {
      const client = limited.client();
      await client.listTransferTypes(SHIPPER);
      await client.listTransferTypes(SHIPPER);
      const err = await rejection(client.listTransferTypes(SHIPPER));
      expect(err).toBeInstanceOf(MetrcRateLimitError);
      expect((err as MetrcRateLimitError).retryAfterMs).toBe(1000);
      // Another facility has its own bucket; writes draw no GET tokens.
      await expect(client.listTransferTypes(OTHER_RETAILER)).resolves.toHaveLength(3);
      await expect(
        client.createOutgoingTemplates(SHIPPER, [templateInput('RL', RETAILER, labels.slice(0, 1))]),
      ).resolves.toMatchObject({ ids: [expect.any(Number)] });
      expect((await limited.admin('GET', '/state')).body.counters.rateLimited).toBe(1);
    } finally {
      await limited.running.close();
    }
  });

  it('limits the vendor key across facilities, and can be reconfigured over HTTP', async () => {
    const limited = await startSandbox();
    try {
      const res = await limited.admin('PUT', '/rate-limits', { perVendorKeyPerSecond: 3 });
      expect(res.body).toMatchObject({ perVendorKeyPerSecond: 3, perFacilityPerSecond: 50 });
      const client = limited.client();
      const results = await Promise.allSettled(
        [SHIPPER, RETAILER, OTHER_RETAILER, SHIPPER].map((l) => client.listActivePackages(l, allTime)),
      );
      // 50 packages = 3 pages each; only 3 GETs per second are allowed for the whole key.
      const limitedCalls = results.filter((r) => r.status === 'rejected' && r.reason instanceof MetrcRateLimitError);
      expect(limitedCalls.length).toBeGreaterThan(0);
    } finally {
      await limited.running.close();
    }
  });
});

describe('late commits and credential blips', () => {
  it('holdWrite keeps a POST past the client timeout and then commits it', async () => {
    await setFaults({ holdWriteRate: 1, holdWriteSeconds: 1, methods: ['POST'] });
    const started = Date.now();
    const err = (await rejection(
      env.client({ timeoutMs: 300 }).createOutgoingTemplates(SHIPPER, [templateInput('HELD', RETAILER, labels.slice(0, 1))]),
    )) as MetrcUnavailableError;
    expect([err.kind, err.ambiguous]).toEqual(['timeout', true]);
    // Not there yet when the client gave up...
    expect((await findTemplatesByName(env.client(), SHIPPER, 'HELD', recentWindow())).length).toBe(0);
    // ...and there once METRC finished holding it.
    await new Promise((r) => setTimeout(r, 1200 - (Date.now() - started)));
    expect((await findTemplatesByName(env.client(), SHIPPER, 'HELD', recentWindow())).length).toBe(1);
    const held = (await env.admin('GET', '/held-writes')).body;
    expect(held).toHaveLength(1);
    expect(held[0].releasedAt - held[0].receivedAt).toBeGreaterThanOrEqual(1000);
    // GETs are never held.
    await env.client({ timeoutMs: 300 }).getFacilities();
  });

  it('authBlipSeconds answers 401 (or 403) to every request for that long, then keys work again', async () => {
    await setFaults({ authBlipSeconds: 0.5, authBlipStatus: 403 });
    const e = await rejection(env.client().getFacilities());
    expect([e.type, e.status]).toEqual(['MetrcAuthError', 403]);
    await new Promise((r) => setTimeout(r, 600));
    expect((await env.client().getFacilities()).length).toBeGreaterThan(0);
    expect((await env.admin('GET', '/state')).body.counters.faults.authBlip).toBe(1);
    expect((await env.admin('PUT', '/faults', { authBlipStatus: 500 })).status).toBe(400);
  });
});
