/**
 * scale-out: two API processes behind a round-robin client and two workers; orders run their
 * whole lifecycle. What must hold across processes: an idempotent retry sent to the other API
 * replays the first answer (same order, nothing new); a WebSocket on API 1 sees the events of
 * transitions requested through API 2; one API key's rate limit is one budget, whichever process
 * counts it.
 */
import WebSocket from 'ws';
import { apiKeyHeaders } from '../test/support/auth.js';
import { no5xx, orderChecks, runDrill } from './lib/common.js';
import { driveOrders } from './lib/load.js';
import { sleep, waitFor } from './lib/processes.js';
import type { DrillResult } from './lib/report.js';
import { verifyOrders } from './lib/verify.js';

export function scaleOut(short: boolean): Promise<DrillResult> {
  const orders = short ? 16 : 500;
  return runDrill('scale-out', short, { apis: 2, workers: 2, orders }, async (ctx) => {
    const { stack, world, http } = ctx;
    const [api1] = stack.apis;
    const received = new Set<string>();
    const ws = new WebSocket(`${api1!.url.replace('http', 'ws')}/api/v1/events`, { headers: world.admin });
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as { type: string; event?: { event_id?: string } };
      if (m.type === 'event' && m.event?.event_id) received.add(m.event.event_id);
    });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));

    // One key, limit 20 a minute, 30 requests alternating between the two processes.
    const limit = 20;
    const key = await apiKeyHeaders(stack.deps, { entityId: world.retailers[0]!.id, scopes: ['orders:read'], rateLimitPerMinute: limit });
    // The 30 must fall in one fixed minute window: close to its end, wait for the next.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 8000) await sleep(left + 50);
    const limited: number[] = [];
    for (let i = 0; i < limit + 10; i++) limited.push((await http.send('GET', '/orders?limit=1', undefined, key, i % 2))?.status ?? 0);

    const runs = await driveOrders({ http, world, count: orders, concurrency: short ? 12 : 40, tag: ctx.tag, deadline: Date.now() + (short ? 200_000 : 1_500_000) });

    // Idempotent retries, each to the process that did not answer first (round-robin alternates,
    // so half went to each): the replay names the same order and creates none.
    const sample = runs.filter((r) => r?.accepted201).slice(0, short ? 6 : 40);
    let replayedSame = 0;
    for (const [i, r] of sample.entries()) {
      for (const api of [0, 1]) {
        const a = await http.send('POST', '/orders', r.body, { ...r.retailer.headers, 'idempotency-key': r.key }, (api + i) % 2);
        if (a?.status === 201 && a.body.id === r.id) replayedSame++;
      }
    }
    ctx.outcome = await verifyOrders(stack, world, runs, ctx.tag);
    const [timeline] = (await stack.deps.sequelize.query('SELECT e.event_key FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.notes LIKE ? AND e.seq > 0', {
      replacements: [`drill-${ctx.tag}-%`],
    })) as [Array<{ event_key: string }>, unknown];
    const missing = () => timeline.filter((e) => !received.has(e.event_key)).length;
    await waitFor('the socket on API 1 to see every event', async () => missing() === 0, 30_000, 500).catch(() => undefined);
    ws.close();
    const ok = limited.filter((s) => s === 200).length;
    const tooMany = limited.filter((s) => s === 429).length;
    ctx.figures.push(
      ['API processes / worker processes', '2 / 2'],
      ['one key (limit 20/min), 30 requests alternating APIs: 200 / 429', `${ok} / ${tooMany}`],
      ['idempotent retries to both APIs replaying the first answer', `${replayedSame} of ${sample.length * 2}`],
      ['WebSocket on API 1: timeline events seen / written (transitions spread over both APIs)', `${timeline.length - missing()} / ${timeline.length}`],
    );
    ctx.checks.push(
      ...orderChecks(ctx.outcome, orders),
      no5xx(http),
      { what: 'rate limit shared by both API processes', ok: ok === limit && tooMany === 10, detail: `${ok} / ${tooMany}` },
      { what: 'idempotent retry on the other API replays', ok: replayedSame === sample.length * 2 },
      { what: 'WebSocket on API 1 sees events caused through API 2', ok: missing() === 0, detail: `${missing()} missing` },
    );
  });
}
