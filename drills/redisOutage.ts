/**
 * redis-outage: Redis stops mid-load and starts again. Reads keep working (the cache is bypassed)
 * and so do writes; rate limiting fails open (documented: a Redis outage must not take every
 * partner down), sign-in fails closed (503: its throttle cannot count failures); existing sessions
 * keep working (they live in the database). Timeline events written meanwhile reach the events
 * stream after recovery through the outbox relay, and a WebSocket open throughout receives them.
 */
import WebSocket from 'ws';
import { apiKeyHeaders, createTestUser } from '../test/support/auth.js';
import { runDrill } from './lib/common.js';
import { outage } from './lib/outage.js';
import { sleep, waitFor } from './lib/processes.js';
import { verifyOrders } from './lib/verify.js';
import type { DrillResult } from './lib/report.js';

export function redisOutage(short: boolean): Promise<DrillResult> {
  const orders = short ? 8 : 150;
  return runDrill('redis-outage', short, { apis: 1, workers: 1, orders }, async (ctx) => {
    const { stack, world, http } = ctx;
    const api = stack.apis[0]!;
    const retailer = world.retailers[0]!;
    // A socket on the API for the whole drill, as staff (staff see every order's events).
    const received = new Set<string>();
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/events`, { headers: world.admin });
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as { type: string; event?: { event_id?: string } };
      if (m.type === 'event' && m.event?.event_id) received.add(m.event.event_id);
    });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    let wsClosed = false;
    ws.on('close', () => (wsClosed = true));

    const limit = 10;
    const burst = async (headers: Record<string, string>) => {
      const statuses: number[] = [];
      for (let i = 0; i < limit + 5; i++) statuses.push((await http.send('GET', '/orders?limit=1', undefined, headers))?.status ?? 0);
      return { ok: statuses.filter((s) => s === 200).length, limited: statuses.filter((s) => s === 429).length };
    };
    const keyUp = await apiKeyHeaders(stack.deps, { entityId: retailer.id, scopes: ['orders:read'], rateLimitPerMinute: limit });
    const keyDown = await apiKeyHeaders(stack.deps, { entityId: retailer.id, scopes: ['orders:read'], rateLimitPerMinute: limit });
    const user = await createTestUser(stack.deps, { role: 'owner', entityId: retailer.id, password: 'drill-password-123456' });
    const limitedUp = await burst(keyUp);
    let limitedDown = { ok: 0, limited: 0 };
    let loginDown = 0;
    let sessionDown = 0;
    let loginAfter = 0;

    const r = await outage(ctx, {
      service: stack.redis,
      readinessName: 'redis',
      orders,
      concurrency: short ? 10 : 20,
      stopAfterMs: short ? 2000 : 10_000,
      downMs: short ? 5000 : 20_000,
      placeWhileDown: 'accepted',
      whileDown: async () => {
        await sleep(500);
        limitedDown = await burst(keyDown);
        loginDown = (await http.send('POST', '/auth/login', { email: user.email, password: user.password }))?.status ?? 0;
        sessionDown = (await http.send('GET', '/auth/me', undefined, retailer.headers))?.status ?? 0;
      },
      afterRecovery: async () => {
        loginAfter = (await http.send('POST', '/auth/login', { email: user.email, password: user.password }))?.status ?? 0;
      },
    });
    // The relay publishes what Redis missed; the socket delivers it.
    const [timeline] = (await stack.deps.sequelize.query(
      "SELECT e.event_key FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.notes LIKE ? AND e.seq > 0",
      { replacements: [`drill-${ctx.tag}-%`] },
    )) as [Array<{ event_key: string }>, unknown];
    const missing = () => timeline.filter((e) => !received.has(e.event_key)).length;
    await waitFor('the socket to receive every timeline event', async () => missing() === 0, 30_000, 500).catch(() => undefined);
    const wsMissing = missing();
    ws.close();
    ctx.checks.push(...r.checks);
    // The stream is checked again now: the outage's own verification runs a second after the load
    // ends, which can be before the relay's first pass once Redis is back (its interval is 2 s
    // and the worker's client reconnects with backoff), and then read as events lost.
    ctx.outcome = await verifyOrders(stack, world, r.runs, ctx.tag);
    const o = ctx.outcome;
    ctx.figures.push(
      ['rate limit 10/min, 15 requests with Redis up: 200 / 429', `${limitedUp.ok} / ${limitedUp.limited}`],
      ['rate limit 10/min, 15 requests with Redis down: 200 / 429', `${limitedDown.ok} / ${limitedDown.limited}`],
      ['sign-in while down / after', `${loginDown} / ${loginAfter}`],
      ['existing session (GET /auth/me) while down', sessionDown],
      ['WebSocket: timeline events received / written', `${timeline.length - wsMissing} / ${timeline.length}`],
      ['WebSocket closed by the outage', wsClosed ? 'yes' : 'no'],
    );
    ctx.checks.push(
      { what: 'rate limits enforced with Redis up', ok: limitedUp.limited > 0 },
      { what: 'rate limiting fails open while Redis is down (documented)', ok: limitedDown.ok === limit + 5 && limitedDown.limited === 0 },
      { what: 'sign-in fails closed (503) while Redis is down, works after', ok: loginDown === 503 && loginAfter === 200, detail: `${loginDown} / ${loginAfter}` },
      { what: 'existing sessions keep working while Redis is down', ok: sessionDown === 200 },
      { what: 'every timeline event reached the stream (outbox)', ok: o.eventsNotOnStream === 0 && o.eventsOnStreamTwice === 0, detail: `${o.eventsNotOnStream} missing, ${o.eventsOnStreamTwice} twice` },
      { what: 'the WebSocket open throughout received every timeline event', ok: wsMissing === 0, detail: `${wsMissing} missing` },
    );
  });
}
