import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Facts about the current HTTP request that deep service code needs without threading them
 * through every signature (the audit trail records request id and client IP).
 */
export interface RequestContext {
  requestId?: string;
  ip?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const runWithRequestContext = <T>(ctx: RequestContext, fn: () => T): T => storage.run(ctx, fn);

export const currentRequestContext = (): RequestContext => storage.getStore() ?? {};
