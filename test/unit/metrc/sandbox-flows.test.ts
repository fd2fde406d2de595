import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MetrcAuthError,
  MetrcError,
  MetrcRequestError,
  MetrcValidationError,
} from '../../../integrations/metrc/errors.js';
import {
  findLiveReceipt,
  findManifestsForPackages,
  findTemplatesByName,
} from '../../../integrations/metrc/reconcile.js';
import {
  DEMO_RETAILERS,
  DEMO_USER_KEY,
  DEMO_VENDOR_KEY,
  DEMO_WHOLESALERS,
  demoPackagesFor,
  demoSeed,
  METRC_TAG_PATTERN,
} from '../../../sandboxes/metrc/demo-data.js';
import { allTime, recentWindow, startSandbox, templateInput } from './sandbox-helpers.js';

const SHIPPER = DEMO_WHOLESALERS[0]!.licenseNumber;
const OTHER_WHOLESALER = DEMO_WHOLESALERS[1]!.licenseNumber;
const RETAILER = DEMO_RETAILERS[0]!.licenseNumber;
const shipperLabels = demoPackagesFor(SHIPPER).map((p) => p.label);
const RETAIL_ONLY_KEY = 'retailer-only-user-key';

const seed = demoSeed();
seed.users.push({ userKey: RETAIL_ONLY_KEY, licenses: [RETAILER] });

let env: Awaited<ReturnType<typeof startSandbox>>;
beforeAll(async () => {
  // GET limits have their own tests; here they would only make timing matter.
  env = await startSandbox({ seed, rateLimits: false });
});
afterAll(() => env.running.close());
beforeEach(async () => {
  expect((await env.admin('POST', '/reset')).status).toBe(200);
});

async function rejection(p: Promise<unknown>): Promise<MetrcError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MetrcError);
  return e as MetrcError;
}

describe('METRC sandbox with the real client: reads', () => {
  it('lists the demo facilities the user may act for, with license and type flags', async () => {
    const facilities = await env.client().getFacilities();
    expect(facilities.map((f) => f.License.Number)).toEqual(seed.facilities.map((f) => f.licenseNumber));
    const retailer = facilities.find((f) => f.License.Number === RETAILER)!;
    expect(retailer.FacilityType.CanSellToConsumers).toBe(true);
    const limited = await env.client({ userKey: RETAIL_ONLY_KEY }).getFacilities();
    expect(limited.map((f) => f.License.Number)).toEqual([RETAILER]);
  });

  it('pages ~50 active packages in pages of 20 with 24-character tags', async () => {
    const before = env.sandbox.state.counters.requests;
    const packages = await env.client().listActivePackages(SHIPPER, allTime);
    expect(env.sandbox.state.counters.requests - before).toBe(3);
    expect(packages.map((p) => p.Label)).toEqual(shipperLabels);
    expect(packages.every((p) => METRC_TAG_PATTERN.test(p.Label))).toBe(true);
    expect(packages[0]).not.toHaveProperty('licenseNumber');
  });

  it('filters active packages by the lastModified window', async () => {
    const first = demoPackagesFor(SHIPPER)[0]!.lastModified;
    const few = await env.client().listActivePackages(SHIPPER, { lastModifiedStart: first, lastModifiedEnd: first });
    expect(few.map((p) => p.Label)).toEqual([shipperLabels[0]]);
  });

  it('refuses pageSize above 20 like METRC', async () => {
    const res = await env.raw('GET', `/packages/v2/active?licenseNumber=${SHIPPER}&pageSize=50&pageNumber=1`);
    expect(res.status).toBe(400);
  });

  it('serves transfer types and adjust reasons as v2 lists', async () => {
    const types = await env.client().listTransferTypes(SHIPPER);
    expect(types.map((t) => t.Name)).toContain('Wholesale');
    const reasons = await env.client().listAdjustReasons(SHIPPER);
    expect(reasons.find((r) => r.Name === 'Entry Error')?.RequiresNote).toBe(true);
  });
});

describe('METRC sandbox: templates and manifests', () => {
  it('creates a template, a user registers it, and the manifest is found via outgoing transfers', async () => {
    const client = env.client();
    const labels = shipperLabels.slice(0, 3);
    const { ids } = await client.createOutgoingTemplates(SHIPPER, [templateInput('SO-1001', RETAILER, labels)]);
    expect(ids).toHaveLength(1);
    expect((await client.listOutgoingTemplates(SHIPPER)).map((t) => [t.Id, t.Name, t.PackageCount])).toEqual([
      [ids[0], 'SO-1001', 3],
    ]);

    const reg = await env.admin('POST', `/templates/${ids[0]}/register-manifest`);
    expect(reg.status).toBe(201);
    const manifestNumber: string = reg.body.ManifestNumber;

    const transfers = await client.listOutgoingTransfers(SHIPPER, recentWindow());
    const row = transfers.find((t) => t.ManifestNumber === manifestNumber);
    expect(row).toMatchObject({
      ShipperFacilityLicenseNumber: SHIPPER,
      RecipientFacilityLicenseNumber: RETAILER,
      IsVoided: false,
    });
    const deliveries = await client.listTransferDeliveries(row!.Id);
    expect(deliveries.map((d) => d.Id)).toEqual([row!.DeliveryId]);
    const shipped = await client.listDeliveryPackages(row!.DeliveryId);
    expect(shipped.map((p) => p.PackageLabel)).toEqual(labels);
    expect(shipped.every((p) => p.ShipmentPackageState === 'Shipped')).toBe(true);

    const matches = await findManifestsForPackages(
      client,
      SHIPPER,
      { recipientLicenseNumber: RETAILER, packageLabels: labels },
      recentWindow(),
    );
    expect(matches.map((m) => [m.transfer.ManifestNumber, m.missingLabels, m.extraLabels])).toEqual([
      [manifestNumber, [], []],
    ]);

    // Shipped packages leave the shipper's active inventory.
    const active = await client.listActivePackages(SHIPPER, allTime);
    expect(active.map((p) => p.Label)).not.toContain(labels[0]);
    // The recipient sees the manifest as incoming.
    const incoming = await env.raw('GET', `/transfers/v2/incoming?licenseNumber=${RETAILER}`);
    expect(
      ((await incoming.json()) as { Data: { ManifestNumber: string }[] }).Data.map((t) => t.ManifestNumber),
    ).toEqual([manifestNumber]);
  });

  it('shows drift when a user edits the manifest, and nothing once it is voided', async () => {
    const client = env.client();
    const labels = shipperLabels.slice(5, 8);
    const { ids } = await client.createOutgoingTemplates(SHIPPER, [templateInput('SO-1002', RETAILER, labels)]);
    const reg = await env.admin('POST', `/templates/${ids[0]}/register-manifest`);
    const edit = await env.admin('PATCH', `/transfers/${reg.body.Id}`, {
      removePackageLabels: [labels[0]],
      addPackageLabels: [shipperLabels[9]],
    });
    expect(edit.status).toBe(200);
    const want = { recipientLicenseNumber: RETAILER, packageLabels: labels };
    const [match] = await findManifestsForPackages(client, SHIPPER, want, recentWindow());
    expect(match?.missingLabels).toEqual([labels[0]]);
    expect(match?.extraLabels).toEqual([shipperLabels[9]]);

    expect((await env.admin('POST', `/transfers/${reg.body.Id}/void`)).status).toBe(200);
    expect(await findManifestsForPackages(client, SHIPPER, want, recentWindow())).toEqual([]);
    const rows = await client.listOutgoingTransfers(SHIPPER, recentWindow());
    expect(rows.map((r) => r.IsVoided)).toEqual([true]);
    const active = (await client.listActivePackages(SHIPPER, allTime)).map((p) => p.Label);
    expect(active).toEqual(expect.arrayContaining([labels[1], labels[2], shipperLabels[9]]));
  });

  it('refuses to register a template whose packages already shipped', async () => {
    const client = env.client();
    const labels = shipperLabels.slice(10, 11);
    const { ids } = await client.createOutgoingTemplates(SHIPPER, [
      templateInput('A', RETAILER, labels),
      templateInput('B', RETAILER, labels),
    ]);
    expect((await env.admin('POST', `/templates/${ids[0]}/register-manifest`)).status).toBe(201);
    expect((await env.admin('POST', `/templates/${ids[1]}/register-manifest`)).status).toBe(409);
  });

  it('updates and archives templates with empty 200s', async () => {
    const client = env.client();
    const input = templateInput('SO-1003', RETAILER, shipperLabels.slice(12, 13));
    const { ids } = await client.createOutgoingTemplates(SHIPPER, [input]);
    const [stored] = await client.listOutgoingTemplates(SHIPPER);
    await client.updateOutgoingTemplates(SHIPPER, [
      { ...input, TransferTemplateId: stored!.Id, Name: 'SO-1003 rev 2' },
    ]);
    expect((await client.listOutgoingTemplates(SHIPPER)).map((t) => t.Name)).toEqual(['SO-1003 rev 2']);
    await client.archiveOutgoingTemplate(SHIPPER, ids[0]!);
    expect(await client.listOutgoingTemplates(SHIPPER)).toEqual([]);
    const again = await rejection(client.archiveOutgoingTemplate(SHIPPER, ids[0]!));
    expect(again).toBeInstanceOf(MetrcValidationError);
  });

  it('splits 12 templates into two requests of at most 10 objects, and the sandbox enforces the limit', async () => {
    const client = env.client();
    const inputs = shipperLabels.slice(20, 32).map((l, i) => templateInput(`BULK-${i}`, RETAILER, [l]));
    const writes = env.sandbox.state.counters.writes;
    const { ids } = await client.createOutgoingTemplates(SHIPPER, inputs);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(env.sandbox.state.counters.writes - writes).toBe(2);
    const names = (await client.listOutgoingTemplates(SHIPPER)).map((t) => t.Name).sort();
    expect(names).toEqual(inputs.map((t) => t.Name).sort());

    const res = await env.raw('POST', `/transfers/v2/templates/outgoing?licenseNumber=${SHIPPER}`, inputs.slice(0, 11));
    expect(res.status).toBe(413);
    const tooMany = await rejection(
      env.client({ maxObjectsPerRequest: 11 }).createOutgoingTemplates(SHIPPER, inputs.slice(0, 11)),
    );
    expect(tooMany).toBeInstanceOf(MetrcRequestError);
  });
});

describe('METRC sandbox: validation and access', () => {
  it('answers a foreign package label with METRC row messages and commits nothing', async () => {
    const foreign = demoPackagesFor(OTHER_WHOLESALER)[0]!.label;
    const unknown = '1A4999999000000000000001';
    const err = await rejection(
      env
        .client()
        .createOutgoingTemplates(SHIPPER, [
          templateInput('GOOD', RETAILER, shipperLabels.slice(0, 1)),
          templateInput('BAD', RETAILER, [foreign, unknown]),
        ]),
    );
    expect(err).toBeInstanceOf(MetrcValidationError);
    expect((err as MetrcValidationError).rowMessages).toEqual([
      { row: 1, message: `Package ${foreign} is not available.` },
      { row: 1, message: `Package ${unknown} is not available.` },
    ]);
    const state = await env.admin('GET', '/state');
    expect(state.body.counts.templates).toBe(0);
  });

  it('answers a body that is not an array with a 400 row-message array', async () => {
    const res = await env.raw('POST', `/sales/v2/receipts?licenseNumber=${RETAILER}`, { SalesDateTime: 'x' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { row: number; message: string }[];
    expect(body).toEqual([{ row: 0, message: expect.stringContaining('array') }]);
    const broken = await fetch(`${env.running.url}/sales/v2/receipts?licenseNumber=${RETAILER}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${DEMO_VENDOR_KEY}:${DEMO_USER_KEY}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: '[{"SalesDateTime":',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual([{ row: 0, message: 'The request body is not valid JSON.' }]);
  });

  it('answers a license outside the user’s facilities with 401', async () => {
    const err = await rejection(env.client({ userKey: RETAIL_ONLY_KEY }).listActivePackages(SHIPPER, allTime));
    expect(err).toBeInstanceOf(MetrcAuthError);
    expect(err.status).toBe(401);
    expect((err as MetrcAuthError).permission).toBe(false);
  });

  it('answers another facility’s package by label with 401, an unknown label with null', async () => {
    const foreign = demoPackagesFor(OTHER_WHOLESALER)[0]!.label;
    const err = await rejection(env.client().getPackageByLabel(SHIPPER, foreign));
    expect(err).toBeInstanceOf(MetrcAuthError);
    expect(await env.client().getPackageByLabel(SHIPPER, '1A4999999000000000000001')).toBeNull();
    const own = await env.client().getPackageByLabel(SHIPPER, shipperLabels[0]!);
    expect(own?.Label).toBe(shipperLabels[0]);
  });

  it('answers bad Basic credentials with an empty 401', async () => {
    const res = await env.raw('GET', '/facilities/v2/', undefined, 'trellis-demo-vendor-key:wrong');
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('');
    const err = await rejection(env.client({ vendorKey: 'unknown-vendor' }).getFacilities());
    expect(err).toBeInstanceOf(MetrcAuthError);
  });
});

describe('METRC sandbox: packages and sales', () => {
  const retailLabel = demoPackagesFor(RETAILER).find((p) => p.unitOfMeasure === 'Each')!;
  const receipt = (external: string, quantity: number, salesDateTime = '2026-03-01T14:05:00') => ({
    SalesDateTime: salesDateTime,
    SalesCustomerType: 'Consumer',
    ExternalReceiptNumber: external,
    Transactions: [
      { PackageLabel: retailLabel.label, Quantity: quantity, UnitOfMeasure: 'Each', TotalAmount: 25 * quantity },
    ],
  });
  const quantity = async () => (await env.client().getPackageByLabel(RETAILER, retailLabel.label))!.Quantity;

  it('creates, finds by external number, updates and voids a receipt, moving stock each time', async () => {
    const client = env.client();
    const start = await quantity();
    const { ids } = await client.createReceipts(RETAILER, [receipt('POS-1', 2)]);
    expect(await quantity()).toBe(start - 2);
    const found = await client.getReceiptByExternalNumber(RETAILER, 'POS-1');
    expect(found).toMatchObject({ Id: ids[0], ExternalReceiptNumber: 'POS-1', TotalPrice: 50 });
    expect(found!.Transactions.map((t) => t.PackageLabel)).toEqual([retailLabel.label]);
    const listed = await client.listReceipts(RETAILER, recentWindow());
    expect(listed.map((r) => [r.Id, r.Transactions.length])).toEqual([[ids[0], 0]]);

    await client.updateReceipts(RETAILER, [{ ...receipt('POS-1', 3), Id: ids[0] }]);
    expect(await quantity()).toBe(start - 3);

    await client.voidReceipt(RETAILER, ids[0]!);
    expect(await quantity()).toBe(start);
    expect(await findLiveReceipt(client, RETAILER, 'POS-1')).toBeNull();
    expect((await client.listReceipts(RETAILER, recentWindow(), 'inactive')).map((r) => r.Id)).toEqual([ids[0]]);
  });

  it('updates a receipt down after a return, and refuses to edit or void it once voided, foreign or finalized', async () => {
    const client = env.client();
    const start = await quantity();
    const { ids } = await client.createReceipts(RETAILER, [receipt('POS-R', 3)]);
    const id = ids[0]!;
    // A partial return: the receipt keeps 1, the package gets 2 back.
    await client.updateReceipts(RETAILER, [{ ...receipt('POS-R', 1), Id: id }]);
    expect(await quantity()).toBe(start - 1);
    expect((await client.getReceipt(RETAILER, id))!.Transactions.map((t) => [t.Quantity, t.TotalAmount])).toEqual([[1, 25]]);

    // Finalized: no edits or voids until unfinalized.
    await client.finalizeReceipts(RETAILER, [id]);
    expect((await client.getReceipt(RETAILER, id))!.IsFinal).toBe(true);
    const edit = await rejection(client.updateReceipts(RETAILER, [{ ...receipt('POS-R', 2), Id: id }]));
    expect((edit as MetrcValidationError).rowMessages[0]!.message).toMatch(/finalized/);
    expect(await rejection(client.voidReceipt(RETAILER, id))).toBeInstanceOf(MetrcValidationError);
    await client.unfinalizeReceipts(RETAILER, [id]);

    // Another facility may not void it (401, like reading it).
    const foreign = DEMO_RETAILERS[1]!.licenseNumber;
    expect(await rejection(client.voidReceipt(foreign, id))).toBeInstanceOf(MetrcAuthError);

    await client.voidReceipt(RETAILER, id);
    expect(await quantity()).toBe(start);
    const again = await rejection(client.voidReceipt(RETAILER, id));
    expect(again).toBeInstanceOf(MetrcValidationError);
    const late = await rejection(client.updateReceipts(RETAILER, [{ ...receipt('POS-R', 1), Id: id }]));
    expect((late as MetrcValidationError).rowMessages).toEqual([{ row: 0, message: `Receipt ${id} was not found.` }]);
    expect(await quantity()).toBe(start);
    // Still found by its external number, as voided, when nothing live has it.
    expect((await client.getReceiptByExternalNumber(RETAILER, 'POS-R'))!.ArchivedDate).toBeTruthy();
  });

  it('rejects a SalesDateTime with a UTC offset and overselling, by row', async () => {
    const err = await rejection(
      env.client().createReceipts(RETAILER, [receipt('POS-2', 1, '2026-03-01T14:05:00Z'), receipt('POS-3', 1_000_000)]),
    );
    expect(err).toBeInstanceOf(MetrcValidationError);
    const rows = (err as MetrcValidationError).rowMessages;
    expect(rows.map((r) => r.row)).toEqual([0, 1]);
    expect(rows[0]!.message).toMatch(/without a UTC offset/);
    expect(rows[1]!.message).toMatch(/enough quantity/);
  });

  it('refuses sales from a facility that cannot sell to consumers with 401', async () => {
    const pkg = demoPackagesFor(SHIPPER).find((p) => p.unitOfMeasure === 'Each')!;
    const err = await rejection(
      env
        .client()
        .createReceipts(SHIPPER, [
          {
            ...receipt('POS-4', 1),
            Transactions: [{ PackageLabel: pkg.label, Quantity: 1, UnitOfMeasure: 'Each', TotalAmount: 1 }],
          },
        ]),
    );
    expect(err).toBeInstanceOf(MetrcAuthError);
  });

  it('adjusts package quantities and validates the reason', async () => {
    const client = env.client();
    const start = await quantity();
    const adj = {
      Label: retailLabel.label,
      Quantity: -1,
      UnitOfMeasure: 'Each',
      AdjustmentReason: 'Damage',
      AdjustmentDate: '2026-03-01',
    };
    await client.adjustPackages(RETAILER, [adj]);
    expect(await quantity()).toBe(start - 1);
    const err = await rejection(client.adjustPackages(RETAILER, [adj, { ...adj, AdjustmentReason: 'Entry Error' }]));
    expect((err as MetrcValidationError).rowMessages).toEqual([
      { row: 1, message: expect.stringMatching(/reason note/) },
    ]);
    expect(await quantity()).toBe(start - 1);
  });

  it('finds a template by name for reconciliation', async () => {
    const client = env.client();
    await client.createOutgoingTemplates(SHIPPER, [templateInput('FIND-ME', RETAILER, shipperLabels.slice(40, 41))]);
    const found = await findTemplatesByName(client, SHIPPER, 'FIND-ME', recentWindow());
    expect(found.map((t) => t.Name)).toEqual(['FIND-ME']);
    expect(await findTemplatesByName(client, SHIPPER, 'NOPE', recentWindow())).toEqual([]);
  });
});

describe('METRC sandbox in camelCase mode', () => {
  it('still works with the client, which reads fields case-insensitively', async () => {
    const camel = await startSandbox({ keyCase: 'camel' });
    try {
      const res = await camel.raw('GET', '/facilities/v2/');
      const body = (await res.json()) as Record<string, unknown>[];
      expect(Object.keys(body[0]!)).toContain('license');
      const facilities = await camel.client().getFacilities();
      expect(facilities[0]!.License.Number).toBe(seed.facilities[0]!.licenseNumber);
      const { ids } = await camel
        .client()
        .createOutgoingTemplates(SHIPPER, [templateInput('C', RETAILER, shipperLabels.slice(0, 1))]);
      expect(ids).toHaveLength(1);
      expect((await camel.client().listOutgoingTemplates(SHIPPER)).map((t) => t.Id)).toEqual(ids);
    } finally {
      await camel.running.close();
    }
  });
});
