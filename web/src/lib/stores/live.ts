/**
 * Live updates: a WebSocket on /api/v1/events when it works, otherwise polling every 30 s with
 * exponential backoff on errors (the seed's rule). Pages subscribe with a refresh callback; the
 * store decides when to call it. Timers and the socket are injected so tests drive them.
 */
import { writable, type Readable } from 'svelte/store';

export type LiveMode = 'connecting' | 'websocket' | 'polling' | 'offline';
export interface LiveStatus {
  mode: LiveMode;
  failures: number;
  nextPollMs: number;
  lastEventAt?: number;
}

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

export interface LiveOptions {
  /** Opens the socket; `lastEventId` asks the server to replay what this client missed since. */
  openSocket?: ((lastEventId?: string) => SocketLike) | null;
  pollMs?: number;
  maxBackoffMs?: number;
  /** After the socket fails, try it again after this long (while polling meanwhile). */
  socketRetryMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export type Refresh = (event?: Record<string, unknown>) => Promise<unknown> | unknown;

/** Delay before the next poll after `failures` consecutive errors. */
export function backoff(failures: number, base = 30_000, max = 5 * 60_000): number {
  return Math.min(max, base * 2 ** Math.max(0, failures));
}

export function createLive(opts: LiveOptions = {}) {
  const pollMs = opts.pollMs ?? 30_000;
  const maxBackoff = opts.maxBackoffMs ?? 5 * 60_000;
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  const status = writable<LiveStatus>({ mode: 'connecting', failures: 0, nextPollMs: pollMs });
  const subscribers = new Set<Refresh>();
  let socket: SocketLike | undefined;
  let pollTimer: unknown;
  let socketTimer: unknown;
  let failures = 0;
  let lastEventId: string | undefined;
  let mode: LiveMode = 'connecting';
  let stopped = true;

  const set = (patch: Partial<LiveStatus>) => status.update((s) => ({ ...s, mode, failures, ...patch }));

  async function runAll(event?: Record<string, unknown>): Promise<boolean> {
    const results = await Promise.allSettled([...subscribers].map((fn) => fn(event)));
    return results.every((r) => r.status === 'fulfilled');
  }

  function schedulePoll() {
    if (stopped || mode === 'websocket') return;
    const delay = failures === 0 ? pollMs : backoff(failures, pollMs, maxBackoff);
    set({ nextPollMs: delay });
    pollTimer = setTimer(async () => {
      pollTimer = undefined;
      const ok = await runAll();
      failures = ok ? 0 : failures + 1;
      mode = ok ? 'polling' : 'offline';
      set({});
      schedulePoll();
    }, delay);
  }

  function fallBack() {
    socket = undefined;
    if (stopped) return;
    if (mode === 'websocket' || mode === 'connecting') mode = 'polling';
    set({});
    if (pollTimer === undefined) schedulePoll();
    if (opts.socketRetryMs !== 0 && opts.openSocket) {
      socketTimer = setTimer(() => {
        socketTimer = undefined;
        connect();
      }, opts.socketRetryMs ?? 60_000);
    }
  }

  function connect() {
    if (stopped || !opts.openSocket) return fallBack();
    let s: SocketLike;
    try {
      s = opts.openSocket(lastEventId);
    } catch {
      return fallBack();
    }
    socket = s;
    s.onopen = () => {
      mode = 'websocket';
      failures = 0;
      if (pollTimer !== undefined) clearTimer(pollTimer);
      pollTimer = undefined;
      set({});
      // Catch up on whatever happened while we were not listening.
      void runAll();
    };
    s.onmessage = (ev) => {
      let msg: { type?: string; event?: Record<string, unknown> } = {};
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      // The server no longer holds what we missed: re-read everything.
      if (msg.type === 'reset') return void runAll();
      if (msg.type !== 'event') return;
      if (typeof msg.event?.id === 'string') lastEventId = msg.event.id;
      set({ lastEventAt: Date.now() });
      void runAll(msg.event);
    };
    s.onerror = () => {};
    s.onclose = () => {
      if (socket === s) fallBack();
    };
  }

  return {
    status: { subscribe: status.subscribe } as Readable<LiveStatus>,
    /** Registers a page's refresh; returns the unsubscribe for onDestroy. */
    watch(fn: Refresh): () => void {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    start() {
      if (!stopped) return;
      stopped = false;
      mode = 'connecting';
      connect();
    },
    stop() {
      stopped = true;
      if (pollTimer !== undefined) clearTimer(pollTimer);
      if (socketTimer !== undefined) clearTimer(socketTimer);
      pollTimer = socketTimer = undefined;
      const s = socket;
      socket = undefined;
      s?.close();
    },
    /** Manual "refresh now" from the UI. */
    refreshNow: () => runAll(),
  };
}
export type Live = ReturnType<typeof createLive>;
