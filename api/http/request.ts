import type { Request } from 'express';
import type { Actor, Origin } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { decide, type Permission } from '../../domain/policy.js';
import type { Precondition } from '../services/crud.js';
import { checkIfMatch } from './etag.js';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

export function actorOf(req: Request): Actor {
  if (!req.actor) throw new AppError('UNAUTHORIZED', 'Authentication required');
  return req.actor;
}

/** The request's id (app.ts sets one on every request) and client address, for the audit trail. */
export function originOf(req: Request): Origin {
  const requestId = req.get('x-request-id');
  return { ...(requestId ? { requestId } : {}), ...(req.ip ? { ip: req.ip } : {}) };
}

/**
 * A handler's own check, independent of the middleware that should already have refused the
 * caller: if a routing change ever lets a request past authentication, these handlers still fail
 * closed.
 */
export function requirePermission(req: Request, permission: Permission): Actor {
  const actor = actorOf(req);
  const verdict = decide(actor, permission, req.auth?.mfa ?? 'verified');
  if (verdict === 'unauthenticated') throw new AppError('UNAUTHORIZED', 'Authentication required');
  if (verdict === 'mfa_required') throw new AppError('MFA_REQUIRED', 'Complete sign-in with your second factor');
  if (verdict !== 'allow') throw new AppError('FORBIDDEN', 'You may not perform this operation', { permission });
  return actor;
}

/** Path parameters are validated as UUIDs by the OpenAPI validator before handlers run. */
export const param = (req: Request, name: string): string => String(req.params[name]);

export function listParams(req: Request) {
  const q = req.query as Record<string, unknown>;
  return { ...q, page: Number(q.page ?? 1), limit: Number(q.limit ?? 50) } as {
    page: number;
    limit: number;
    sort?: string;
    q?: string;
    [k: string]: unknown;
  };
}

/** The request's If-Match as a precondition for the service's write (412 unless it names the current ETag). */
export function ifMatch(req: Request): Precondition | undefined {
  const header = req.get('if-match');
  return header === undefined ? undefined : (current) => checkIfMatch(header, current);
}
