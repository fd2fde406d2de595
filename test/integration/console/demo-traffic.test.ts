/**
 * Issue 20's demo traffic driver against the real hub (API, workers, Temporal, METRC sandbox) on a
 * freshly seeded demo database, as `DEMO_TRAFFIC=1 npm start` runs it: the seeded open orders are
 * adopted by order workflows (mid-flight ones resumed where they stand), then the sandbox partners,
 * with their own API keys, place an order and move it through accept, fulfil, the METRC manifest,
 * ship, deliver and complete — every answer the driver gets is a 2xx (no 4xx/5xx at all). The
 * seeded "submitted" orders are all ones it can carry through (METRC lots at the premises, enough
 * stock): it leaves none alone, and rejects only by choice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../../../db/connection.js';
import { migrateUp } from '../../../scripts/migrate.js';
import { seedIfEmpty } from '../../../scripts/seed.js';
import { adoptOpenOrders } from '../../../scripts/adopt-orders.js';
import { DemoTraffic } from '../../../scripts/demo/traffic.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, ownQueues, startApi, startWorkers, type RunningApi, type RunningWorkers } from '../../support/harness.js';
import { metrcOverrides, startSandbox, type SandboxHandle } from '../metrc/helpers.js';

const scratch = (() => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `${u.pathname}_traffic`;
  return u.toString();
})();

describe('the demo traffic driver (real hub, fresh demo seed)', () => {
  let sb: SandboxHandle;
  let deps: ReturnType<typeof createDeps>;
  let api: RunningApi;
  let workers: RunningWorkers;
  let headers: Record<string, string>;

  beforeAll(async () => {
    await dropDatabase(scratch);
    await migrateUp(scratch, true);
    await seedIfEmpty(scratch, { today: Date.now() });
    sb = await startSandbox();
    deps = createDeps(
      metrcOverrides(sb.running.url, {
        ...ownQueues(),
        DATABASE_URL: scratch,
        // The transfer's own look would come minutes later; the driver asks for one right away.
        METRC_MANIFEST_TIMEOUT: '30m',
        ORDER_AUTO_COMPLETE_AFTER: '0',
      }),
    );
    api = await startApi(deps);
    workers = await startWorkers(deps, { queues: ['orders', 'compliance', 'notifications'] });
    headers = await adminHeaders(deps);
  }, 240_000);

  afterAll(async () => {
    await workers?.stop();
    await api?.close();
    if (deps) await closeDeps(deps);
    await sb?.running.close();
    await dropDatabase(scratch);
  });

  const count = async (status: string) => {
    const r = await request(api.url, 'GET', `/orders?status=${status}&limit=1`, undefined, headers);
    expect(r.status).toBe(200);
    return Number(r.body.pagination.total);
  };

  it('adopts the seeded open orders: each state has orders, and every open one has a workflow', async () => {
    for (const s of ['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered', 'completed', 'cancelled', 'rejected', 'expired']) {
      expect(await count(s), s).toBeGreaterThan(0);
    }
    const adopted = await adoptOpenOrders(deps.config);
    expect(adopted).toBeGreaterThan(0);
    expect(await adoptOpenOrders(deps.config)).toBe(0);
    const [rows] = await deps.sequelize.query(
      "SELECT status, COUNT(*) AS n FROM orders WHERE status IN ('submitted','accepted','fulfilled','shipped','delivered') AND workflow_id IS NULL GROUP BY status",
    );
    expect(rows).toEqual([]);
  }, 180_000);

  it('moves orders along like partners would: every seeded submitted order is taken up, one it placed goes from submitted to completed, with no 4xx/5xx', async () => {
    const moves: string[] = [];
    const traffic = new DemoTraffic({ base: api.url, metrcSandbox: sb.running.url, seed: 11, perStep: 3, log: (m) => moves.push(m) });
    expect(await traffic.connect(), moves.join('\n')).toBeGreaterThanOrEqual(4);
    const errors: string[] = [];
    const skipped: Record<string, number> = {};
    const startedAt = new Date(Date.now() - 1000);
    const placed = new Set<string>();
    let completed: string | undefined;
    const deadline = Date.now() + 240_000;
    // Seeded orders still waiting for their wholesaler (the driver takes the oldest first).
    const seededWaiting = async () =>
      ((await deps.sequelize.query("SELECT order_number FROM orders WHERE status = 'submitted' AND created_at < ?", { replacements: [startedAt] }))[0] as Array<{ order_number: string }>).map((o) => o.order_number);
    while ((!completed || (await seededWaiting()).length) && Date.now() < deadline) {
      const round = await traffic.round();
      errors.push(...round.errors);
      for (const [k, n] of Object.entries(round.skipped)) skipped[k] = (skipped[k] ?? 0) + (n ?? 0);
      for (const m of round.moves) {
        const p = /^placed (\S+)/.exec(m);
        if (p) placed.add(p[1]!);
        const c = /^complete (\S+)/.exec(m);
        if (c && placed.has(c[1]!)) completed = c[1];
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(errors).toEqual([]);
    expect(completed, moves.join('\n')).toBeDefined();
    // Every rejection the driver made was a choice (the one reason it gives for that), not an
    // order it could not fulfil; those it left alone, counted by reason.
    const [rejections] = await deps.sequelize.query(
      "SELECT reason FROM order_events WHERE to_status = 'rejected' AND actor_kind <> 'system' AND occurred_at >= ?",
      { replacements: [startedAt] },
    );
    for (const r of rejections as Array<{ reason: string | null }>) expect(r.reason).toBe('We are not taking new orders from this store this week.');
    expect(Object.keys(skipped).every((k) => k === 'unlabelled' || k === 'short'), JSON.stringify(skipped)).toBe(true);
    const left = traffic.leftAlone();
    // The seed's open orders all ship the wholesaler's METRC lots at the premises, with enough in
    // each lot for all of them (db/seed/build.ts): none is left alone, so a person trying the demo
    // can accept and fulfil any of them. (The seed once left 11 with a line not packaged there.)
    expect(left, JSON.stringify(skipped)).toEqual({ unlabelled: 0, short: 0 });
    // And the driver got through the seeded ones: every order still submitted is one it placed.
    expect(await seededWaiting(), moves.join('\n')).toEqual([]);
    console.log(`[demo-traffic test] left alone: ${JSON.stringify(left)}, skips over the rounds: ${JSON.stringify(skipped)}, rejections by choice: ${(rejections as unknown[]).length}`);
    // The order's timeline in business steps, the METRC match before shipping.
    const list = await request(api.url, 'GET', `/orders?q=${completed}&limit=1`, undefined, headers);
    const id = list.body.data[0].id as string;
    const events = await request(api.url, 'GET', `/orders/${id}/timeline?limit=50`, undefined, headers);
    expect(events.status).toBe(200);
    const steps = (events.body.data as Array<{ type: string; to_status: string | null; detail: { metrc?: { state?: string } } | null }>).map((e) =>
      e.type === 'status_changed' ? e.to_status : e.type === 'metrc_status' ? `metrc:${e.detail?.metrc?.state}` : e.type,
    );
    expect(steps.filter((s) => !String(s).startsWith('metrc:'))).toEqual(['submitted', 'accepted', 'fulfilled', 'shipped', 'delivered', 'completed']);
    expect(steps.indexOf('metrc:matched')).toBeLessThan(steps.indexOf('shipped'));
    // Seeded mid-flight orders, adopted by their workflows, moved on too.
    expect(moves.some((m) => /^(deliver|ship|fulfil) /.test(m))).toBe(true);
  }, 300_000);
});
