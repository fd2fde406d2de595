/**
 * METRC's access rules as the sandbox enforces them: Basic auth with a known vendor key and
 * user key (401 with an empty body otherwise), and a `licenseNumber` the user may act for
 * (401 otherwise: METRC answers a foreign license as "unauthorized", not "forbidden").
 */
import type { NextFunction, Request, Response } from 'express';
import type { SandboxStore } from './store.js';
import { query, sendMessage } from './wire.js';

export interface Caller {
  vendorKey: string;
  userKey: string;
  licenses: Set<string>;
}

export function parseBasicAuth(header: string | undefined): { username: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? null : { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

export const caller = (res: Response): Caller => res.locals.caller as Caller;

export function authenticate(store: SandboxStore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const creds = parseBasicAuth(req.get('authorization'));
    const licenses = creds && store.vendorKeys.has(creds.username) ? store.users.get(creds.password) : undefined;
    if (!creds || !licenses) {
      res.status(401).end();
      return;
    }
    res.locals.caller = { vendorKey: creds.username, userKey: creds.password, licenses } satisfies Caller;
    const license = query(req, 'licenseNumber');
    if (license !== undefined && !licenses.has(license)) {
      sendMessage(res, 401, 'Authorization has been denied for this request.');
      return;
    }
    next();
  };
}

/** The acting license of a facility-scoped route; answers 400 when it is missing. */
export function actingLicense(req: Request, res: Response): string | null {
  const license = query(req, 'licenseNumber');
  if (license === undefined || license === '') {
    sendMessage(res, 400, 'No license number was specified.');
    return null;
  }
  return license;
}
