/**
 * Authentication and authorization for /api/v1, run before request validation:
 *   1. find the operation in openapi.yaml and the permission it declares;
 *   2. resolve credentials — `Authorization: Bearer <session token | trk_ key>`, `X-API-Key`, or
 *      the `trellis_session` cookie (cookie mutations must echo `trellis_csrf` in X-CSRF-Token);
 *   3. ask domain/policy.ts; answer 401 / 401 MFA_REQUIRED / 403, or carry on with `req.actor`.
 * Presented-but-invalid credentials are always a 401, never a silent anonymous request.
 */
import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { AppError } from '../../domain/errors.js';
import { decide, type MfaState } from '../../domain/policy.js';
import type { Config } from '../../platform/config.js';
import { keyringOf, safeEqual } from '../../platform/crypto.js';
import { createApiKeyService } from '../services/authApiKeys.js';
import { createSessionService, csrfTokensFor, type UserRecord } from '../services/authSessions.js';
import { clearSessionCookies, CSRF_HEADER, wantsSecure } from './cookies.js';
import { credentialOf } from './credentials.js';
import { operationRuleProblems, type Operation } from './operations.js';
import { API_PREFIX } from './route.js';
import { enforceAnonymousRateLimit, enforceKeyRateLimit, enforceUserRateLimit } from './rateLimit.js';

export interface AuthInfo {
  via: 'bearer' | 'cookie' | 'api_key';
  mfa: MfaState;
  sessionId?: string;
  sessionToken?: string;
  user?: UserRecord;
  operation: Operation;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthInfo;
  }
}

export interface AuthDeps {
  config: Config;
  sequelize: Sequelize;
  redis: Redis;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const unauthenticated = () => new AppError('UNAUTHORIZED', 'Authentication required');

/** Throws at start-up when an operation in the spec has no (valid) rule. */
export function assertEveryOperationHasARule(doc: Record<string, unknown>): void {
  const problems = operationRuleProblems(doc);
  if (problems.length) {
    throw new Error(`openapi.yaml access rules are incomplete (see domain/policy.ts):\n  - ${problems.join('\n  - ')}`);
  }
}

export function authenticate(deps: AuthDeps): RequestHandler {
  const sessions = createSessionService(deps);
  const keys = createApiKeyService(deps);

  return async (req, res, next) => {
    if (!req.path.startsWith(`${API_PREFIX}/`)) return next();
    // The gate (route.ts) resolved the operation and rewrote the path to its canonical spelling;
    // an API request without one is refused rather than let through unauthenticated.
    const op = req.operation;
    if (!op) {
      if (req.method === 'OPTIONS' || /^\/api\/v1\/openapi\.(json|yaml)$/.test(req.path)) return next();
      throw new AppError('NOT_FOUND', `No operation for ${req.method} ${req.path}`);
    }
    if (!op.permission) throw new AppError('FORBIDDEN', 'This operation has no access rule');

    const cred = decide(undefined, op.permission) === 'allow' ? undefined : credentialOf(req);
    let actor = undefined as Request['actor'];
    let auth: AuthInfo | undefined;

    // No (usable) credentials: the client address's budget (sign-in, probes, token guessing).
    if (!cred || cred.kind === 'malformed') await enforceAnonymousRateLimit(deps, req, res);
    if (cred?.kind === 'malformed') throw unauthenticated();
    if (cred?.kind === 'session') {
      const s = await sessions.resolve(cred.token);
      if (!s) {
        if (cred.via === 'cookie') clearSessionCookies(res, wantsSecure(req, deps.config.publicUrl));
        await enforceAnonymousRateLimit(deps, req, res);
        throw unauthenticated();
      }
      if (cred.via === 'cookie' && !SAFE_METHODS.has(req.method)) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !csrfTokensFor(keyringOf(deps.config), cred.token).some((t) => safeEqual(sent, t))) {
          throw new AppError('FORBIDDEN', 'Missing or invalid CSRF token', { header: 'X-CSRF-Token' });
        }
      }
      await enforceUserRateLimit(deps, res, s.user.id);
      actor = s.actor;
      auth = { via: cred.via, mfa: s.mfa, sessionId: s.sessionId, sessionToken: cred.token, user: s.user, operation: op };
    } else if (cred?.kind === 'api_key') {
      const k = await keys.resolve(cred.token);
      if (!k) {
        await enforceAnonymousRateLimit(deps, req, res);
        throw unauthenticated();
      }
      await enforceKeyRateLimit(deps.redis, res, k.actor.id, k.rateLimitPerMinute);
      actor = k.actor;
      auth = { via: 'api_key', mfa: 'verified', operation: op };
    }

    const verdict = decide(actor, op.permission, auth?.mfa ?? 'verified');
    if (verdict === 'unauthenticated') throw unauthenticated();
    if (verdict === 'mfa_required') {
      throw new AppError('MFA_REQUIRED', 'Complete sign-in with your second factor', {
        enroll: auth?.mfa === 'enrollment_required',
      });
    }
    if (verdict === 'forbidden') {
      throw new AppError('FORBIDDEN', 'You may not perform this operation', { permission: op.permission });
    }
    req.actor = actor;
    req.auth = auth;
    return next();
  };
}
