/**
 * The late commit (issue 23): METRC holds a write past the client's timeout and commits it only
 * after the next attempt has already looked for it. For each kind the sandbox holds the first
 * POST, the attempt times out (ambiguous), the next attempt's identity check finds nothing, the
 * held write then commits, and the submission must end with exactly one record in METRC: the
 * settle window keeps the re-send back and adopts the late record. The control at the end turns
 * the window off and shows the same script producing the duplicate, so the test can fail.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PACKAGES } from '../../../sandboxes/metrc/index.js';
import { identityTag } from '../../../domain/metrc/identity.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import {
  adjustmentPayload,
  createSubmission,
  eachPackages,
  metrcOverrides,
  receiptPayload,
  RETAILERS,
  startSandbox,
  templatePayload,
  until,
  WHOLESALERS,
  type SandboxHandle,
} from './helpers.js';

// Attempt 2 starts ~0.1 s after the 1 s timeout; 4 s leaves it ample slack on a loaded CI machine.
const HOLD_SECONDS = 4;

interface Hub {
  deps: ReturnType<typeof createDeps>;
  api: RunningApi;
  workers: RunningWorkers;
  headers: Record<string, string>;
}

async function startHub(sb: SandboxHandle, settleWindow: string): Promise<Hub> {
  // Timeout 1 s, write held 4 s: the first attempt gives up long before METRC commits.
  const deps = createDeps(metrcOverrides(sb.running.url, { METRC_TIMEOUT: '1s', METRC_SETTLE_WINDOW: settleWindow, METRC_SETTLE_CHECK_INTERVAL: '200ms' }));
  const api = await startApi(deps);
  const workers = await startWorkers(deps, { queues: ['compliance'] });
  return { deps, api, workers, headers: await adminHeaders(deps) };
}

async function stopHub(h: Hub | undefined) {
  await h?.workers.stop();
  await h?.api.close();
  if (h) await closeDeps(h.deps);
}

const kinds = [
  {
    kind: 'sales_receipt',
    path: '/sales/v2/receipts',
    lookup: (p: string) => p.startsWith('/sales/v2/receipts/external/'),
    license: RETAILERS[0]!,
    payload: () => receiptPayload(eachPackages(RETAILERS[0]!)[0]!.label),
  },
  {
    kind: 'transfer_template',
    path: '/transfers/v2/templates/outgoing',
    lookup: (p: string) => p === '/transfers/v2/templates/outgoing',
    license: WHOLESALERS[0]!,
    payload: () => templatePayload(`LATE-${Date.now().toString(36)}`, RETAILERS[1]!, [eachPackages(WHOLESALERS[0]!)[0]!.label]),
  },
  {
    kind: 'package_adjustment',
    path: '/packages/v2/adjust',
    lookup: (p: string) => p === '/packages/v2/adjustments',
    license: WHOLESALERS[1]!,
    payload: () => adjustmentPayload(eachPackages(WHOLESALERS[1]!)[0]!.label, -1),
  },
] as const;

/** How many records METRC (the sandbox) holds for this submission, by its identity. */
function recordsOf(sb: SandboxHandle, kind: string, payload: Record<string, unknown>, submissionId: string): number {
  const st = sb.sandbox.state;
  if (kind === 'sales_receipt') return [...st.receipts.values()].filter((r) => r.ExternalReceiptNumber === payload.ExternalReceiptNumber && !r.ArchivedDate).length;
  if (kind === 'transfer_template') return [...st.templates.values()].filter((t) => t.body.Name === payload.Name && !t.archived).length;
  return st.adjustments.filter((a) => a.PackageLabel === payload.Label && (a.AdjustmentNote ?? '').includes(identityTag(submissionId))).length;
}

async function runHeldWrite(sb: SandboxHandle, hub: Hub, k: (typeof kinds)[number]) {
  await sb.faults({ holdWriteRate: 1, holdWriteSeconds: HOLD_SECONDS, methods: ['POST'], pathPrefix: k.path, remaining: 1 });
  const payload = k.payload() as Record<string, unknown>;
  const created = await createSubmission(hub.api.url, hub.headers, k.kind, k.license, payload);
  const done = await until(`submission ${created.id} to settle`, async () => {
    const r = await request(hub.api.url, 'GET', `/metrc-submissions/${created.id}`, undefined, hub.headers);
    return ['succeeded', 'failed'].includes(r.body.status) ? r.body : undefined;
  }, 60_000);
  // Let a held write that is still sleeping commit before anything is counted.
  await until('the held write to be released', async () => sb.sandbox.faults.heldWrites.every((w) => w.releasedAt !== null), 10_000, 100);
  const held = sb.sandbox.faults.heldWrites;
  expect(held).toHaveLength(1);
  const [w] = held;
  // The scenario really happened: an identity check ran while the held write had not committed.
  const checksBeforeCommit = sb.sandbox.state.requestLog.filter((r) => r.method === 'GET' && k.lookup(r.path) && r.at > w!.receivedAt && r.at < w!.releasedAt!);
  expect(checksBeforeCommit.length).toBeGreaterThan(0);
  return { created, done, payload, records: recordsOf(sb, k.kind, payload, created.id) };
}

describe('a write METRC commits after the next attempt checked (settle window 8 s)', () => {
  let sb: SandboxHandle;
  let hub: Hub;
  beforeAll(async () => {
    sb = await startSandbox();
    hub = await startHub(sb, '8s');
  });
  afterAll(async () => {
    await stopHub(hub);
    await sb?.running.close();
  });
  beforeEach(async () => {
    await fetch(`${sb.running.url}/__sandbox/reset`, { method: 'POST' });
  });

  for (const k of kinds) {
    it(`${k.kind}: exactly one record, adopted by the second attempt`, async () => {
      const { done, payload, records } = await runHeldWrite(sb, hub, k);
      expect(done.status).toBe('succeeded');
      expect(done.reconciled).toBe(true);
      expect(done.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'reconciled']);
      expect(done.attempts[0]).toMatchObject({ error_type: 'MetrcUnavailableError', ambiguous: true });
      expect(records).toBe(1);
      if (k.kind === 'package_adjustment') {
        const before = DEMO_PACKAGES.find((p) => p.label === payload.Label)!.quantity;
        expect(sb.sandbox.state.packages.get(String(payload.Label))!.Quantity).toBe(before - 1);
      }
    });
  }
});

describe('control: the same script without a settle window', () => {
  let sb: SandboxHandle;
  let hub: Hub;
  beforeAll(async () => {
    sb = await startSandbox();
    hub = await startHub(sb, '0s');
  });
  afterAll(async () => {
    await stopHub(hub);
    await sb?.running.close();
  });

  it('sales_receipt: the re-send and the late commit make two receipts', async () => {
    const { done, records } = await runHeldWrite(sb, hub, kinds[0]);
    expect(done.status).toBe('succeeded');
    expect(records).toBe(2);
  });
});
