import type { IncomingMessage, Server } from 'node:http';
import type { Request } from 'express';
import { decide } from '../../domain/policy.js';
import { readCookies, SESSION_COOKIE } from '../auth/cookies.js';
import type { ApiDeps } from '../deps.js';
import { createSessionService } from '../services/authSessions.js';
import { attachRealtime, type Authenticate, type Realtime, type StillValid } from './events.js';

/**
 * Browsers send the session cookie with the upgrade but no custom headers, so the socket is
 * authenticated by cookie — and, because cookies ride along on cross-site requests too, only
 * from pages of this origin (or an allowed CORS origin): no cross-site WebSocket hijacking.
 */
export function sessionAuthenticator(deps: ApiDeps): Authenticate {
  const sessions = createSessionService(deps);
  return async (req: IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin) {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        return null;
      }
      if (host !== req.headers.host && !deps.config.corsOrigins.includes(origin)) return null;
    }
    const token = readCookies(req as Request)[SESSION_COOKIE];
    if (!token) return null;
    const s = await sessions.resolve(token);
    if (!s || decide(s.actor, 'events:read', s.mfa) !== 'allow') return null;
    return s.actor;
  };
}

/** Sessions are re-read from the database (not the credential cache) on every heartbeat. */
export function sessionStillValid(deps: ApiDeps): StillValid {
  const sessions = createSessionService(deps);
  return async (actor) => actor.sessionId !== undefined && (await sessions.isLive(actor.sessionId));
}

/** Attaches the live-updates socket to the HTTP server that serves the app. */
export function startRealtime(server: Server, deps: ApiDeps, authenticate: Authenticate = sessionAuthenticator(deps)): Realtime {
  return attachRealtime(server, deps.redis, authenticate, { heartbeatMs: deps.config.security.realtimeRecheckMs, stillValid: sessionStillValid(deps) });
}
