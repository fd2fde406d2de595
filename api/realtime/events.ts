/**
 * WebSocket `/api/v1/events`: pushes entries of the Redis stream `trellis:events` to consoles and
 * partners' programs. One blocking XREAD loop per API process (on its own Redis connection, only
 * while at least one socket is open) fans out to every socket. Every event carries its stream id;
 * a client that reconnects with `?last_event_id=<id>` (or a `Last-Event-ID` header) first gets
 * what it missed, in order and once, then the live events; when the stream no longer holds all it
 * missed (trimmed, or more than a backlog's worth) it gets `{"type":"reset"}` and re-reads by HTTP.
 * See docs/realtime.md.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { tenantOf, type Actor } from '../../domain/actor.js';
import { logger } from '../../platform/logger.js';

export const EVENTS_STREAM = 'trellis:events';
export const EVENTS_PATH = '/api/v1/events';

export type Authenticate = (req: IncomingMessage) => Promise<Actor | null>;
/** Whether the credential an open socket was opened with still holds (not logged out, revoked, expired). */
export type StillValid = (actor: Actor) => Promise<boolean>;

export interface RealtimeOptions {
  /** Ping and session re-check interval (config.security.realtimeRecheckMs). */
  heartbeatMs: number;
  stillValid: StillValid;
}

/** Close code for a socket whose session ended (4000–4999: application codes). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

/** Most events a resuming socket is sent before it is told to re-read instead. */
export const MAX_BACKLOG = 1000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** Stream ids order by (milliseconds, sequence). */
export function streamIdAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am > bm || (am === bm && as > bs);
}

/** The id a reconnecting client last saw, from `?last_event_id=` or `Last-Event-ID`. */
export function resumeFrom(req: IncomingMessage): string | undefined {
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('last_event_id');
  const h = req.headers['last-event-id'];
  const id = q ?? (typeof h === 'string' ? h : undefined);
  return id !== undefined && STREAM_ID.test(id) ? id : undefined;
}

export interface RealtimeEvent {
  id: string;
  [field: string]: unknown;
}

/** Stream entries are flat field/value lists; JSON-looking values are decoded. */
export function decodeEntry(id: string, fields: string[]): RealtimeEvent {
  const event: RealtimeEvent = { id };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i]!;
    const raw = fields[i + 1]!;
    let value: unknown = raw;
    if (/^[[{]/.test(raw)) {
      try {
        value = JSON.parse(raw);
      } catch {
        /* keep the string */
      }
    }
    event[key] = value;
  }
  return event;
}

/**
 * Entity users only receive events that name their entity; platform staff receive all. An event
 * addressed to one user (`user_id`: an in-app notification) goes to that user's sockets only —
 * checked first, so neither staff nor an API key of the user's entity sees another's notifications.
 */
export function visibleTo(actor: Actor, event: RealtimeEvent): boolean {
  if (event.user_id !== undefined) return actor.kind === 'user' && actor.id === event.user_id;
  const tenant = tenantOf(actor);
  if (!tenant) return true;
  const payload = (typeof event.data === 'object' && event.data ? event.data : event) as Record<string, unknown>;
  return [payload.entity_id, payload.retailer_id, payload.wholesaler_id, event.entity_id].includes(tenant);
}

export interface Realtime {
  close(): Promise<void>;
  clients(): number;
}

export function attachRealtime(server: Server, redis: Redis, authenticate: Authenticate, opts: RealtimeOptions): Realtime {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const actors = new WeakMap<WebSocket, Actor>();
  const log = logger();
  let reader: Redis | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  /** Sockets still being sent their backlog: live events wait here meanwhile. */
  const catchingUp = new Map<WebSocket, RealtimeEvent[]>();

  /** `frame`: the event's message, serialized once for all the sockets it goes to. */
  function deliver(ws: WebSocket, event: RealtimeEvent, frame?: Buffer) {
    const actor = actors.get(ws);
    if (ws.readyState === ws.OPEN && actor && visibleTo(actor, event)) ws.send(frame ?? JSON.stringify({ type: 'event', event }), { binary: false });
  }

  /** Resolves once the loop knows where it reads from (the tip of the stream when it started). */
  function startLoop(): Promise<void> {
    if (running || closed) return running ?? Promise.resolve();
    let started!: () => void;
    running = new Promise<void>((resolve) => (started = resolve));
    void readLoop(started);
    return running;
  }

  async function readLoop(started: () => void) {
    reader = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: 'trellis-api-events' });
    reader.on('error', () => {});
    let last = '$';
    try {
      const tip = (await reader.xrevrange(EVENTS_STREAM, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      last = tip[0]?.[0] ?? '0-0';
    } catch {
      /* unreachable now: read from '$' once it answers */
    }
    started();
    while (!closed && wss.clients.size > 0) {
      try {
        const res = (await reader.xread('COUNT', 100, 'BLOCK', 5000, 'STREAMS', EVENTS_STREAM, last)) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            const event = decodeEntry(id, fields);
            const frame = Buffer.from(JSON.stringify({ type: 'event', event }));
            for (const ws of wss.clients) {
              const waiting = catchingUp.get(ws);
              if (waiting) waiting.push(event);
              else deliver(ws, event, frame);
            }
          }
        }
      } catch (err) {
        if (closed) break;
        log.warn({ err: String(err) }, 'events stream read failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    running = undefined;
    const r = reader;
    reader = undefined;
    r?.disconnect();
  }

  /**
   * What a reconnecting socket missed since `after`, then whatever arrived meanwhile, each event
   * once. The loop was started first, so every event is either in this read or in the buffer.
   */
  async function catchUp(ws: WebSocket, after: string) {
    let sent = after;
    try {
      await startLoop();
      const [oldest] = (await redis.xrange(EVENTS_STREAM, '-', '+', 'COUNT', 1)) as Array<[string, string[]]>;
      const missed = (await redis.xrange(EVENTS_STREAM, `(${after}`, '+', 'COUNT', MAX_BACKLOG + 1)) as Array<[string, string[]]>;
      // The client's last event is older than the oldest kept: what lay between may be trimmed.
      // Or too much to replay. Either way the client re-reads by HTTP instead.
      const gap = oldest !== undefined && streamIdAfter(oldest[0], after);
      if (gap || missed.length > MAX_BACKLOG) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'reset', reason: gap ? 'events no longer kept' : 'backlog too long' }));
        sent = missed.length ? missed[missed.length - 1]![0] : sent;
      } else {
        for (const [id, fields] of missed) {
          deliver(ws, decodeEntry(id, fields));
          sent = id;
        }
      }
    } catch (err) {
      log.warn({ err: String(err) }, 'events backlog read failed; client told to re-read');
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'reset', reason: 'backlog unavailable' }));
    }
    const waiting = catchingUp.get(ws) ?? [];
    catchingUp.delete(ws);
    for (const event of waiting) if (streamIdAfter(event.id, sent)) deliver(ws, event);
  }

  // Dead peers are dropped so the reader stops when the last real browser leaves.
  const alive = new WeakSet<WebSocket>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== EVENTS_PATH) return; // other upgrade handlers (none today) may claim it
    authenticate(req)
      .then((actor) => {
        if (!actor) {
          socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        const after = resumeFrom(req);
        wss.handleUpgrade(req, socket, head, (ws) => {
          actors.set(ws, actor);
          if (after) catchingUp.set(ws, []);
          // Here, not on 'connection': with noServer that event is only emitted by hand, so the
          // liveness bookkeeping never ran and the first heartbeat dropped every socket.
          alive.add(ws);
          ws.on('pong', () => alive.add(ws));
          ws.send(JSON.stringify({ type: 'hello', stream: EVENTS_STREAM }));
          ws.on('message', () => {}); // the channel is one-way; client messages are ignored
          ws.on('close', () => catchingUp.delete(ws));
          if (after) void catchUp(ws, after);
          else void startLoop();
        });
      })
      .catch(() => socket.destroy());
  };
  server.on('upgrade', onUpgrade);

  // A socket outlives the request that opened it: without this, a logged-out or revoked session
  // kept receiving events for as long as the browser stayed connected.
  async function recheck(ws: WebSocket, actor: Actor) {
    let valid: boolean;
    try {
      valid = await opts.stillValid(actor);
    } catch {
      valid = false; // fail closed: a session we cannot confirm gets no more events
    }
    if (!valid && ws.readyState === ws.OPEN) {
      actors.delete(ws);
      ws.close(SESSION_ENDED_CLOSE_CODE, 'session ended');
    }
  }
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
      const actor = actors.get(ws);
      if (actor) void recheck(ws, actor);
    }
  }, opts.heartbeatMs);
  heartbeat.unref();

  return {
    clients: () => wss.clients.size,
    async close() {
      closed = true;
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      reader?.disconnect();
    },
  };
}
