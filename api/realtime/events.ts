/**
 * WebSocket `/api/v1/events`: pushes entries of the Redis stream `trellis:events` to the
 * console. One blocking XREAD loop per API process (on its own Redis connection, only while at
 * least one browser is connected) fans out to every socket; clients that lose the socket fall back
 * to polling, so nothing here needs to be durable.
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

/** Entity users only receive events that name their entity; platform staff receive all. */
export function visibleTo(actor: Actor, event: RealtimeEvent): boolean {
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
  let running = false;
  let closed = false;

  async function readLoop() {
    if (running || closed) return;
    running = true;
    reader = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: 'trellis-api-events' });
    reader.on('error', () => {});
    let last = '$';
    while (!closed && wss.clients.size > 0) {
      try {
        const res = (await reader.xread('COUNT', 100, 'BLOCK', 5000, 'STREAMS', EVENTS_STREAM, last)) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            const event = decodeEntry(id, fields);
            const text = JSON.stringify({ type: 'event', event });
            for (const ws of wss.clients) {
              const actor = actors.get(ws);
              if (ws.readyState === ws.OPEN && actor && visibleTo(actor, event)) ws.send(text);
            }
          }
        }
      } catch (err) {
        if (closed) break;
        log.warn({ err: String(err) }, 'events stream read failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    running = false;
    const r = reader;
    reader = undefined;
    r?.disconnect();
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
        wss.handleUpgrade(req, socket, head, (ws) => {
          actors.set(ws, actor);
          // Here, not on 'connection': with noServer that event is only emitted by hand, so the
          // liveness bookkeeping never ran and the first heartbeat dropped every socket.
          alive.add(ws);
          ws.on('pong', () => alive.add(ws));
          ws.send(JSON.stringify({ type: 'hello', stream: EVENTS_STREAM }));
          ws.on('message', () => {}); // the channel is one-way; client messages are ignored
          void readLoop();
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
