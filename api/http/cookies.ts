import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'trellis_session';
export const CSRF_COOKIE = 'trellis_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const header = req.headers.cookie;
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    } catch {
      /* undecodable values are ignored rather than failing the request */
    }
  }
  return out;
}

/** Secure cookies whenever the browser reached us over TLS (directly or via the trusted proxy). */
export const wantsSecure = (req: Request, publicUrl: string): boolean => req.secure || publicUrl.startsWith('https:');

function serialise(name: string, value: string, opts: { httpOnly: boolean; secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}`,
    'SameSite=Lax',
    ...(opts.httpOnly ? ['HttpOnly'] : []),
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

export function setSessionCookies(res: Response, token: string, csrf: string, maxAgeSeconds: number, secure: boolean): void {
  res.append('Set-Cookie', serialise(SESSION_COOKIE, token, { httpOnly: true, secure, maxAgeSeconds }));
  // Readable by the console's script, which echoes it in X-CSRF-Token; a foreign site cannot read it.
  res.append('Set-Cookie', serialise(CSRF_COOKIE, csrf, { httpOnly: false, secure, maxAgeSeconds }));
}

export function clearSessionCookies(res: Response, secure: boolean): void {
  res.append('Set-Cookie', serialise(SESSION_COOKIE, '', { httpOnly: true, secure, maxAgeSeconds: 0 }));
  res.append('Set-Cookie', serialise(CSRF_COOKIE, '', { httpOnly: false, secure, maxAgeSeconds: 0 }));
}
