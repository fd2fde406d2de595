import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { readCookies, SESSION_COOKIE } from './cookies.js';

export type Credential = { kind: 'session'; token: string; via: 'bearer' | 'cookie' } | { kind: 'api_key'; token: string } | { kind: 'malformed' };

/**
 * The credential a request presents — `Authorization: Bearer <session token | trk_ key>`,
 * `X-API-Key`, or the session cookie, in that order — for HTTP requests and WebSocket upgrades
 * alike.
 */
export function credentialOf(req: Request | IncomingMessage): Credential | undefined {
  const authz = req.headers.authorization;
  if (authz !== undefined) {
    const m = /^Bearer[ ]+([\x21-\x7E]{1,200})$/i.exec(authz.trim());
    if (!m) return { kind: 'malformed' };
    return m[1]!.startsWith('trk_') ? { kind: 'api_key', token: m[1]! } : { kind: 'session', token: m[1]!, via: 'bearer' };
  }
  const apiKey = req.headers['x-api-key'];
  if (apiKey !== undefined) return typeof apiKey === 'string' ? { kind: 'api_key', token: apiKey.trim() } : { kind: 'malformed' };
  const cookie = readCookies(req as Request)[SESSION_COOKIE];
  if (cookie) return { kind: 'session', token: cookie, via: 'cookie' };
  return undefined;
}
