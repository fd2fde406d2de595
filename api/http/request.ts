import type { Request } from 'express';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

export function actorOf(req: Request): Actor {
  if (!req.actor) throw new AppError('UNAUTHORIZED', 'Authentication required');
  return req.actor;
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

export const ifMatch = (req: Request): string | undefined => req.get('if-match') ?? undefined;
