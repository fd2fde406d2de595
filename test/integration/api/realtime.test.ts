/**
 * The live-updates socket as a partner's program meets it: API keys and bearer sessions, only its
 * own tenant's events, healthy connections kept across heartbeats, and a reconnect that resumes
 * from the last event id without losing or repeating anything.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EVENTS_STREAM, SESSION_ENDED_CLOSE_CODE } from '../../../api/realtime/events.js';
import { adminHeaders, apiKeyHeaders, headersFor } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const HEARTBEAT_MS = 200;
type Msg = { type: string; event?: { id: string; data?: { order_id?: string } }; reason?: string };

describe('realtime for partners', () => {
  const deps = createDeps({ REALTIME_RECHECK: `${HEARTBEAT_MS}ms` });
  let api: RunningApi;
  let a: Awaited<ReturnType<typeof createWorld>>;
  let b: Awaited<ReturnType<typeof createWorld>>;
  let keyA: Record<string, string>;
  let keyB: Record<string, string>;

  beforeAll(async () => {
    api = await startApi(deps);
    const admin = await adminHeaders(deps);
    [a, b] = [await createWorld(api.url, admin), await createWorld(api.url, admin)];
    keyA = await apiKeyHeaders(deps, { entityId: a.retailer.id, scopes: ['orders:read'] });
    keyB = await apiKeyHeaders(deps, { entityId: b.retailer.id, scopes: ['orders:read'] });
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  /** Publishes an order event the way the workflows do (flat fields, JSON data). */
  async function publish(world: typeof a): Promise<string> {
    const orderId = randomUUID();
    const data = { order_id: orderId, retailer_id: world.retailer.id, wholesaler_id: world.wholesaler.id, to_status: 'accepted' };
    await deps.redis.xadd(EVENTS_STREAM, '*', 'type', 'order.status_changed', 'data', JSON.stringify(data));
    return orderId;
  }

  /** Opens a socket and collects its messages; resolves after hello. */
  async function open(headers: Record<string, string>, query = '') {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/events${query}`, { headers });
    const messages: Msg[] = [];
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Msg));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await until(() => messages.some((m) => m.type === 'hello'));
    const orders = () => messages.filter((m) => m.type === 'event').map((m) => m.event!.data?.order_id);
    return { ws, messages, closed, orders };
  }

  async function until(cond: () => boolean, ms = 5000) {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('serves API keys (either header) and bearer sessions their own tenant only, across heartbeats', async () => {
    const bearer = await open(keyA);
    const xApiKey = await open({ 'x-api-key': keyA.authorization!.replace(/^Bearer /, '') });
    const session = await open(await headersFor(deps, { role: 'owner', entityId: a.retailer.id }));
    const other = await open(keyB);
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 4));
    const mine = await publish(a);
    const theirs = await publish(b);
    for (const s of [bearer, xApiKey, session]) {
      await until(() => s.orders().includes(mine));
      expect(s.ws.readyState).toBe(WebSocket.OPEN);
    }
    await until(() => other.orders().includes(theirs));
    await new Promise((r) => setTimeout(r, 100));
    for (const s of [bearer, xApiKey, session]) expect(s.orders()).not.toContain(theirs);
    expect(other.orders()).not.toContain(mine);
    for (const s of [bearer, xApiKey, session, other]) s.ws.close();
  });

  it('refuses keys without an events scope and unknown credentials, and ends a revoked key', async () => {
    const narrow = await apiKeyHeaders(deps, { entityId: a.retailer.id, scopes: ['catalog:read'] });
    await expect(open(narrow)).rejects.toThrow(/401/);
    await expect(open({ authorization: 'Bearer trk_nope_nope' })).rejects.toThrow(/401/);

    const owner = await headersFor(deps, { role: 'owner', entityId: a.retailer.id });
    const created = await request(api.url, 'POST', '/api-keys', { name: `rt ${randomUUID().slice(0, 6)}`, scopes: ['orders:read'] }, owner);
    expect(created.status).toBe(201);
    const s = await open({ authorization: `Bearer ${created.body.key}` });
    expect((await request(api.url, 'DELETE', `/api-keys/${created.body.id}`, undefined, owner)).status).toBe(204);
    const code = await Promise.race([s.closed, new Promise<number>((r) => setTimeout(() => r(-1), HEARTBEAT_MS * 5))]);
    expect(code).toBe(SESSION_ENDED_CLOSE_CODE);
  });

  it('resumes from the last event id: what was missed, in order, once, then live', async () => {
    const first = await open(keyA);
    const e1 = await publish(a);
    await until(() => first.orders().includes(e1));
    const lastId = first.messages.find((m) => m.event?.data?.order_id === e1)!.event!.id;
    first.ws.close();
    await first.closed;

    const e2 = await publish(a);
    await publish(b);
    const e4 = await publish(a);
    const again = await open(keyA, `?last_event_id=${lastId}`);
    await until(() => again.orders().includes(e4));
    const e5 = await publish(a);
    await until(() => again.orders().includes(e5));
    await new Promise((r) => setTimeout(r, 100));
    // Other test runs may share the stream: look at this tenant's events of this test only.
    const seen = again.orders().filter((id) => [e1, e2, e4, e5].includes(id!));
    expect(seen).toEqual([e2, e4, e5]);
    again.ws.close();

    const header = await open({ ...keyA, 'last-event-id': lastId });
    await until(() => header.orders().includes(e5));
    expect(header.orders().filter((id) => [e1, e2, e4, e5].includes(id!))).toEqual([e2, e4, e5]);
    header.ws.close();
  });

  it('tells a client whose events are no longer kept to re-read', async () => {
    await publish(a);
    const s = await open(keyA, '?last_event_id=1-0');
    await until(() => s.messages.some((m) => m.type === 'reset'));
    expect(s.messages.find((m) => m.type === 'reset')!.reason).toMatch(/no longer kept/);
    const live = await publish(a);
    await until(() => s.orders().includes(live));
    s.ws.close();
  });
});
