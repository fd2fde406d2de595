/**
 * Issue 13 item 10: an open live-updates socket outlived the session that opened it. Now every
 * heartbeat (REALTIME_RECHECK, 200 ms here) re-reads the session and closes the socket with 4401
 * once it is logged out, revoked, or the user disabled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SESSION_ENDED_CLOSE_CODE } from '../../../api/realtime/events.js';
import { createTestSession, createTestUser } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

const HEARTBEAT_MS = 200;

describe('security: WebSockets end with their session', () => {
  const deps = createDeps({ REALTIME_RECHECK: `${HEARTBEAT_MS}ms` });
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi(deps);
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  /** Opens the socket with the session cookie, as the console does, and waits for hello. */
  async function open(token: string) {
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/events`, { headers: { cookie: `trellis_session=${token}` } });
    const closed = new Promise<{ code: number; at: number }>((resolve) => ws.on('close', (code) => resolve({ code, at: Date.now() })));
    await new Promise<void>((resolve, reject) => {
      ws.once('message', (data) => (JSON.parse(String(data)).type === 'hello' ? resolve() : reject(new Error(String(data)))));
      ws.once('error', reject);
    });
    return { ws, closed };
  }

  const within = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms))]);

  it('closes within a heartbeat of logout', async () => {
    const user = await createTestUser(deps, { role: 'operator' });
    const token = await createTestSession(deps, user.id);
    const { ws, closed } = await open(token);
    // Still open across several heartbeats while the session lives.
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 3));
    expect(ws.readyState).toBe(WebSocket.OPEN);

    expect((await request(api.url, 'POST', '/auth/logout', undefined, { authorization: `Bearer ${token}` })).status).toBe(204);
    // From the answer, not the request: the logout's own time on a busy machine is not the socket's.
    const loggedOutAt = Date.now();
    const { code, at } = await within(closed, HEARTBEAT_MS * 5);
    expect(code).toBe(SESSION_ENDED_CLOSE_CODE);
    expect(at - loggedOutAt).toBeLessThan(HEARTBEAT_MS * 3);
  });

  it('closes when the session is revoked from another session, or the user is disabled', async () => {
    const user = await createTestUser(deps, { role: 'admin' });
    const watched = await createTestSession(deps, user.id);
    const other = await createTestSession(deps, user.id);
    const sessions = await request(api.url, 'GET', '/auth/sessions', undefined, { authorization: `Bearer ${other}` });
    const target = (sessions.body.data as Array<{ id: string; current: boolean }>).find((s) => !s.current)!;
    const first = await open(watched);
    expect((await request(api.url, 'DELETE', `/auth/sessions/${target.id}`, undefined, { authorization: `Bearer ${other}` })).status).toBe(204);
    expect((await within(first.closed, HEARTBEAT_MS * 5)).code).toBe(SESSION_ENDED_CLOSE_CODE);

    const second = await open(other);
    await deps.sequelize.query('UPDATE users SET disabled_at = ? WHERE id = ?', { replacements: [new Date(), user.id] });
    expect((await within(second.closed, HEARTBEAT_MS * 5)).code).toBe(SESSION_ENDED_CLOSE_CODE);
  });

  it('refuses the upgrade for a logged-out session', async () => {
    const user = await createTestUser(deps, { role: 'operator' });
    const token = await createTestSession(deps, user.id);
    await request(api.url, 'POST', '/auth/logout', undefined, { authorization: `Bearer ${token}` });
    await expect(open(token)).rejects.toThrow(/401/);
  });
});
