import type { IncomingMessage, Server } from 'node:http';
import { decide } from '../../domain/policy.js';
import { credentialOf } from '../http/credentials.js';
import type { ApiDeps } from '../deps.js';
import { createApiKeyService } from '../services/authApiKeys.js';
import { createSessionService } from '../services/authSessions.js';
import { attachRealtime, type Authenticate, type Realtime, type StillValid } from './events.js';

/**
 * Who opens a socket. Partners' programs send `Authorization: Bearer <session token | trk_ key>`
 * or `X-API-Key` with the upgrade; browsers cannot set headers there and send the session cookie —
 * which rides along on cross-site requests too, so a cookie only counts from pages of this origin
 * (or an allowed CORS origin): no cross-site WebSocket hijacking. Either way the caller needs
 * `events:read` (keys: an orders or inventory scope).
 */
export function socketAuthenticator(deps: ApiDeps): Authenticate {
  const sessions = createSessionService(deps);
  const keys = createApiKeyService(deps);
  return async (req: IncomingMessage) => {
    const cred = credentialOf(req);
    if (!cred || cred.kind === 'malformed') return null;
    if (cred.kind === 'api_key') {
      const k = await keys.resolve(cred.token);
      return k && decide(k.actor, 'events:read') === 'allow' ? k.actor : null;
    }
    if (cred.via === 'cookie' && !sameOrigin(req, deps.config.corsOrigins)) return null;
    const s = await sessions.resolve(cred.token);
    if (!s || decide(s.actor, 'events:read', s.mfa) !== 'allow') return null;
    return s.actor;
  };
}

function sameOrigin(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host || allowed.includes(origin);
  } catch {
    return false;
  }
}

/** Sessions and keys are re-read from the database (not the credential caches) on every heartbeat. */
export function credentialStillValid(deps: ApiDeps): StillValid {
  const sessions = createSessionService(deps);
  const keys = createApiKeyService(deps);
  return async (actor) => {
    if (actor.kind === 'api_key') return keys.isLive(actor.id);
    return actor.sessionId !== undefined && (await sessions.isLive(actor.sessionId));
  };
}

/** Attaches the live-updates socket to the HTTP server that serves the app. */
export function startRealtime(server: Server, deps: ApiDeps, authenticate: Authenticate = socketAuthenticator(deps)): Realtime {
  return attachRealtime(server, deps.redis, authenticate, { heartbeatMs: deps.config.security.realtimeRecheckMs, stillValid: credentialStillValid(deps) });
}
