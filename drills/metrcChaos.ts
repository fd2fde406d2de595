/**
 * metrc-chaos: submissions (sales receipts and transfer templates) sent while METRC answers 30 %
 * of requests with a 5xx, 10 % with a 429, drops 5 % of answers after committing the write, and
 * holds 2 % of writes past the client's timeout before committing them (slow). METRC never holds
 * two records for one submission; every submission ends succeeded, or failed with its reason and
 * an open dead letter. (The CI-sized mix with bulk retry is test/integration/metrc/chaos.test.ts.)
 */
import { QueryTypes } from 'sequelize';
import { parseFaults } from '../sandboxes/metrc/index.js';
import { eachPackages, receiptPayload, RETAILERS, templatePayload, WHOLESALERS } from '../test/integration/metrc/helpers.js';
import { runDrill } from './lib/common.js';
import { waitFor } from './lib/processes.js';
import type { DrillResult } from './lib/report.js';

interface Job {
  kind: 'sales_receipt' | 'transfer_template';
  license: string;
  payload: Record<string, unknown>;
  id?: string;
}

export function metrcChaos(short: boolean): Promise<DrillResult> {
  const count = short ? 60 : 500;
  return runDrill(
    'metrc-chaos',
    short,
    { apis: 1, workers: 1, orders: 0 },
    async (ctx) => {
      const { stack, world, http } = ctx;
      // Slow: held past the client's timeout, so the outcome is ambiguous; the settle window (longer) waits it out.
      const holdSeconds = parseFloat(stack.env.METRC_TIMEOUT!) + 1;
      const jobs: Job[] = [];
      for (let i = 0; i < count; i++) {
        if (i % 4 === 3) {
          const pkgs = eachPackages(WHOLESALERS[0]!);
          jobs.push({ kind: 'transfer_template', license: WHOLESALERS[0]!, payload: templatePayload(`DC-${ctx.tag}-${i}`, RETAILERS[i % 3]!, [pkgs[i % pkgs.length]!.label]) });
        } else {
          const license = RETAILERS[i % 3]!;
          const pkgs = eachPackages(license);
          jobs.push({ kind: 'sales_receipt', license, payload: receiptPayload(pkgs[Math.floor(i / 3) % pkgs.length]!.label, `DC-${ctx.tag}-${i}`) });
        }
      }
      stack.metrc.faults.config = parseFaults({ errorRate: 0.3, rateLimitRate: 0.1, retryAfterSeconds: 0.3, dropResponseRate: 0.05, holdWriteRate: 0.02, holdWriteSeconds: holdSeconds });
      for (const j of jobs) {
        for (let attempt = 0; !j.id && attempt < 20; attempt++) {
          const a = await http.send('POST', '/metrc-submissions', { kind: j.kind, license_number: j.license, payload: j.payload }, world.admin);
          if (a?.status === 201) j.id = a.body.id;
        }
      }
      const ids = jobs.map((j) => j.id).filter((id): id is string => !!id);
      const counts = async () =>
        Object.fromEntries(
          (await stack.deps.sequelize.query<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM metrc_submissions WHERE id IN (?) GROUP BY status', { replacements: [ids], type: QueryTypes.SELECT })).map((r) => [r.status, Number(r.n)]),
        ) as Record<string, number>;
      const settled = await waitFor('every submission to settle', async () => {
        const c = await counts();
        return (c.succeeded ?? 0) + (c.failed ?? 0) === ids.length ? c : undefined;
      }, short ? 180_000 : 900_000, 1000).catch(async () => counts());
      const faults = { ...stack.metrc.state.counters.faults };
      stack.metrc.faults.config = parseFaults({});
      await waitFor('held writes to commit', async () => stack.metrc.faults.heldWrites.every((w) => w.releasedAt !== null), 20_000, 200).catch(() => undefined);
      const st = stack.metrc.state;
      const records = (j: Job) =>
        j.kind === 'sales_receipt'
          ? [...st.receipts.values()].filter((r) => r.ExternalReceiptNumber === j.payload.ExternalReceiptNumber).length
          : [...st.templates.values()].filter((t) => (t.body as { Name?: string }).Name === j.payload.Name).length;
      const rows = await stack.deps.sequelize.query<{ id: string; status: string; failure_reason: string | null }>('SELECT id, status, failure_reason FROM metrc_submissions WHERE id IN (?)', { replacements: [ids], type: QueryTypes.SELECT });
      const byId = new Map(rows.map((r) => [r.id, r]));
      let duplicates = 0;
      let missing = 0;
      let failedWithoutReason = 0;
      for (const j of jobs.filter((x) => x.id)) {
        const n = records(j);
        if (n > 1) duplicates++;
        const r = byId.get(j.id!)!;
        if (r.status === 'succeeded' && n !== 1) missing++;
        if (r.status === 'failed' && !/^[A-Za-z_]+: /.test(r.failure_reason ?? '')) failedWithoutReason++;
      }
      const failedIds = rows.filter((r) => r.status === 'failed').map((r) => r.id);
      const open = failedIds.length
        ? Number((await stack.deps.sequelize.query<{ n: number }>("SELECT COUNT(*) AS n FROM dead_letters WHERE status = 'open' AND kind = 'metrc_submission' AND subject_id IN (?)", { replacements: [failedIds], type: QueryTypes.SELECT }))[0]!.n)
        : 0;
      ctx.figures.push(
        ['submissions created (201)', `${ids.length} of ${count}`],
        ['succeeded / dead-lettered (failed)', `${settled.succeeded ?? 0} / ${settled.failed ?? 0}`],
        ['other states at the end', JSON.stringify(Object.fromEntries(Object.entries(settled).filter(([k]) => k !== 'succeeded' && k !== 'failed')))],
        ['faults injected by METRC', JSON.stringify(faults)],
        ['METRC records held twice', duplicates],
        ['succeeded without exactly one record', missing],
        ['failed: open dead letters', `${open} of ${failedIds.length}`],
      );
      ctx.checks.push(
        { what: 'every submission created', ok: ids.length === count },
        // 2 % of a short run's few dozen writes may well be none: held writes are required of the full run only.
        { what: 'the fault mix happened', ok: ['error', 'rateLimit', 'dropResponse', ...(short ? [] : ['holdWrite'])].every((k) => (faults[k] ?? 0) > 0), detail: JSON.stringify(faults) },
        { what: 'every submission settled (succeeded or failed)', ok: (settled.succeeded ?? 0) + (settled.failed ?? 0) === ids.length },
        { what: '0 duplicate METRC records', ok: duplicates === 0 },
        { what: 'every success has its one record', ok: missing === 0 },
        { what: 'every failure has its reason and an open dead letter', ok: failedWithoutReason === 0 && open === failedIds.length },
        { what: 'no 5xx from the API', ok: http.counts.s5xx === 0 && http.counts.s503 === 0 },
      );
    },
  );
}
