import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import { backoff, createLive, type SocketLike } from '../../../web/src/lib/stores/live.js';

/** Manual timers: tests decide when time passes. */
function clock() {
  let timers: Array<{ fn: () => void; ms: number; id: number }> = [];
  let next = 1;
  return {
    setTimer: (fn: () => void, ms: number) => {
      const id = next++;
      timers.push({ fn, ms, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      timers = timers.filter((t) => t.id !== id);
    },
    pending: () => timers.map((t) => t.ms),
    async fire() {
      const t = timers.shift();
      if (!t) throw new Error('no timer pending');
      t.fn();
      await new Promise((r) => setTimeout(r, 0));
      return t.ms;
    },
  };
}

function fakeSocket() {
  const s: SocketLike & { closed: boolean } = { onopen: null, onmessage: null, onclose: null, onerror: null, closed: false, close() { this.closed = true; } };
  return s;
}

describe('live updates', () => {
  it('polls every 30 s without a socket and backs off exponentially on errors', async () => {
    const c = clock();
    let fail = true;
    let calls = 0;
    const live = createLive({ openSocket: null, setTimer: c.setTimer, clearTimer: c.clearTimer });
    live.watch(async () => {
      calls++;
      if (fail) throw new Error('api down');
    });
    live.start();
    expect(c.pending()).toEqual([30_000]);
    await c.fire();
    expect(get(live.status).mode).toBe('offline');
    expect(c.pending()).toEqual([60_000]);
    await c.fire();
    expect(c.pending()).toEqual([120_000]);
    fail = false;
    await c.fire();
    expect(calls).toBe(3);
    expect(get(live.status)).toMatchObject({ mode: 'polling', failures: 0 });
    expect(c.pending()).toEqual([30_000]);
    live.stop();
    expect(c.pending()).toEqual([]);
  });

  it('caps the backoff', () => {
    expect(backoff(0)).toBe(30_000);
    expect(backoff(3)).toBe(240_000);
    expect(backoff(20)).toBe(300_000);
  });

  it('uses the socket when it opens, refreshes on events, and falls back to polling when it closes', async () => {
    const c = clock();
    const sockets: ReturnType<typeof fakeSocket>[] = [];
    const events: unknown[] = [];
    const live = createLive({
      openSocket: () => {
        const s = fakeSocket();
        sockets.push(s);
        return s;
      },
      setTimer: c.setTimer,
      clearTimer: c.clearTimer,
      socketRetryMs: 60_000,
    });
    live.watch((ev) => {
      events.push(ev);
    });
    live.start();
    expect(sockets).toHaveLength(1);
    sockets[0]!.onopen?.({});
    expect(get(live.status).mode).toBe('websocket');
    expect(c.pending()).toEqual([]); // no polling while the socket is up
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 'event', event: { id: '1-0', type: 'order.accepted' } }) });
    sockets[0]!.onmessage?.({ data: 'not json' });
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 'hello' }) });
    await new Promise((r) => setTimeout(r, 0));
    // one catch-up refresh on open, one for the event; junk and hello are ignored
    expect(events).toEqual([undefined, { id: '1-0', type: 'order.accepted' }]);

    sockets[0]!.onclose?.({});
    expect(get(live.status).mode).toBe('polling');
    expect(c.pending().sort()).toEqual([30_000, 60_000]);
    live.stop();
    expect(sockets[0]!.closed).toBe(false); // already closed by the peer; stop does not touch it
    expect(c.pending()).toEqual([]);
  });

  it('reconnects from the last event it saw, and re-reads when the server says it cannot replay', async () => {
    const c = clock();
    const opened: Array<string | undefined> = [];
    const sockets: ReturnType<typeof fakeSocket>[] = [];
    const refreshes: unknown[] = [];
    const live = createLive({
      openSocket: (after) => {
        opened.push(after);
        const s = fakeSocket();
        sockets.push(s);
        return s;
      },
      setTimer: c.setTimer,
      clearTimer: c.clearTimer,
      socketRetryMs: 60_000,
    });
    live.watch((ev) => {
      refreshes.push(ev);
    });
    live.start();
    sockets[0]!.onopen?.({});
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 'event', event: { id: '17-3', type: 'order.accepted' } }) });
    sockets[0]!.onclose?.({});
    expect(await c.fire()).toBe(30_000); // a poll while the socket is down
    expect(await c.fire()).toBe(60_000); // then the socket again
    expect(opened).toEqual([undefined, '17-3']);
    sockets[1]!.onopen?.({});
    await new Promise((r) => setTimeout(r, 0));
    const before = refreshes.length;
    sockets[1]!.onmessage?.({ data: JSON.stringify({ type: 'reset', reason: 'events no longer kept' }) });
    await new Promise((r) => setTimeout(r, 0));
    expect(refreshes.slice(before)).toEqual([undefined]);
    live.stop();
  });
});
