import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Sequelize } from 'sequelize';
import * as keys from '../../db/repositories/idempotency.js';
import { AppError } from '../../domain/errors.js';
import type { Permission } from '../../domain/policy.js';
import type { Config } from '../../platform/config.js';
import { keyedHash, keyedHashes, keyringOf } from '../../platform/crypto.js';
import { logger } from '../../platform/logger.js';

/**
 * Idempotency-Key for POST: the first request's answer is stored and replayed for retries with
 * the same key and body; a different body under the same key is refused (422). Keys are scoped
 * to the caller and answers live 24 h. An in-flight duplicate gets 409 instead of running twice.
 * 5xx answers are not stored, so a retry after a server fault runs again.
 *
 * Answers that carry credentials are never stored (a table of session tokens, API keys, TOTP
 * secrets and recovery codes in clear was the finding). What happens instead depends on the
 * operation, decided by its permission (CREDENTIAL_OPERATIONS) or, where a permission mixes
 * kinds of operation, by the operation itself (CREDENTIAL_OPERATION_IDS):
 *   - 'rerun': the key is ignored and the request runs again through all its checks. Sign-in
 *     especially: a replayed login must meet the lockout, and a second session is harmless.
 *   - 'refuse-replay': running twice would create a second credential (an API key, an invited
 *     user's link), so the key is kept with the status and Location only, and a replay is a 409
 *     pointing there.
 * The request fingerprint is an HMAC under a key derived from APP_SECRET: a leaked table does not
 * let anyone test guesses of what was sent.
 *
 * A pending key is leased, not held for 24 h: the request renews the lease while it runs, so a
 * request that died with its process frees the key after IDEMPOTENCY_LEASE, and a slow one that
 * is still alive is not run a second time.
 */
const TTL_MS = 24 * 60 * 60 * 1000;
/** A request still running after this is abandoned by the lease (its process is assumed stuck). */
const MAX_RENEW_MS = 15 * 60 * 1000;

export type CredentialHandling = 'rerun' | 'refuse-replay';

export const CREDENTIAL_OPERATIONS: Partial<Record<Permission, CredentialHandling>> = {
  'auth:login': 'rerun',
  'auth:logout': 'rerun',
  'auth:mfa-verify': 'rerun',
  // Enrol (a new TOTP secret) and confirm (recovery codes): running again issues fresh ones.
  'auth:mfa-enroll': 'rerun',
  'auth:self': 'rerun',
  'api-keys:manage': 'refuse-replay',
};

/** Where a permission also covers credential-free operations, the operation decides (operationId). */
export const CREDENTIAL_OPERATION_IDS: Readonly<Record<string, CredentialHandling>> = {
  // The answer carries the one-time set-password link; a second run would not make the same user.
  inviteUser: 'refuse-replay',
  // A fresh link voids the previous one, so running again is what a client that lost it needs.
  reinviteUser: 'rerun',
};

function handlingOf(operationId: string | undefined, permission: Permission | undefined): CredentialHandling | undefined {
  if (operationId && Object.hasOwn(CREDENTIAL_OPERATION_IDS, operationId)) return CREDENTIAL_OPERATION_IDS[operationId];
  return permission ? CREDENTIAL_OPERATIONS[permission] : undefined;
}

/** A stored answer must never look like this, whatever operation produced it (defence in depth). */
const CREDENTIAL_SHAPE = /"(token|secret|password|recovery_codes|otpauth_uri|qr_data_url)"\s*:|trk_[0-9a-f]{12}_/;

const canonical = (v: unknown): string =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : `{${Object.keys(v as object)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`;

export interface IdempotencyDeps {
  sequelize: Sequelize;
  config: Config;
}

export function idempotency(deps: IdempotencyDeps): RequestHandler {
  const { sequelize, config } = deps;
  const leaseMs = config.idempotencyLeaseMs;
  const fingerprint = (method: string, path: string, body: unknown) => keyedHash(config.appSecret, 'idempotency-request', `${method} ${path}\n${canonical(body ?? null)}`);
  // A retry that straddles an APP_SECRET rotation still matches the fingerprint stored before it.
  const fingerprints = (method: string, path: string, body: unknown) =>
    keyedHashes(keyringOf(config), 'idempotency-request', `${method} ${path}\n${canonical(body ?? null)}`);

  /** Takes the key: a fresh row, or one whose lease or 24 h ran out. False when someone holds it. */
  async function claim(id: string, scope: string, key: string, method: string, path: string, hash: string): Promise<boolean> {
    const now = new Date();
    return keys.claimKey(sequelize, { id, scope, key, method, path, hash }, new Date(now.getTime() + leaseMs), now);
  }

  async function replay(res: Response, scope: string, key: string, hashes: string[]): Promise<void> {
    const prior = await keys.storedAnswer(sequelize, scope, key);
    if (!prior) throw new AppError('CONFLICT', 'Idempotency key is being reused concurrently; retry shortly', { field: 'Idempotency-Key' });
    if (!hashes.includes(String(prior.request_hash))) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request', {
        field: 'Idempotency-Key',
        issue: 'reused with a different body or path',
      });
    }
    if (prior.status === 'pending') {
      throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress', { field: 'Idempotency-Key', retry_after_seconds: Math.ceil(leaseMs / 1000) });
    }
    if (prior.status === 'withheld') {
      throw new AppError('CONFLICT', 'This request already succeeded; its answer held a credential shown only once, so it was not kept', {
        field: 'Idempotency-Key',
        issue: 'already succeeded',
        location: (prior.response_location as string | null) ?? null,
      });
    }
    res.setHeader('Idempotent-Replayed', 'true');
    if (prior.response_location) res.setHeader('Location', String(prior.response_location));
    res.status(Number(prior.response_status));
    if (prior.response_body === null) res.end();
    else res.type('application/json').send(String(prior.response_body));
  }

  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || !key) return next();
    const permission = req.operation?.permission;
    const handling = handlingOf(req.operation?.operationId, permission);
    if (handling === 'rerun') return next();
    try {
      const scope = req.actor ? `${req.actor.kind}:${req.actor.id}` : 'anonymous';
      const path = req.originalUrl.slice(0, 512);
      const hash = fingerprint(req.method, req.originalUrl, req.body);
      if (Math.random() < 0.01) {
        void keys.purgeExpiredKeys(sequelize, new Date()).catch(() => undefined);
      }
      const id = randomUUID();
      if (!(await claim(id, scope, key, req.method, path, hash))) return await replay(res, scope, key, fingerprints(req.method, req.originalUrl, req.body));

      // Renew the lease while this request is alive; a dead process stops renewing.
      const started = Date.now();
      const renew = setInterval(() => {
        if (Date.now() - started > MAX_RENEW_MS) return clearInterval(renew);
        void keys.renewLease(sequelize, id, new Date(Date.now() + leaseMs)).catch(() => undefined);
      }, Math.max(250, Math.floor(leaseMs / 3)));
      renew.unref();

      let settled: Promise<unknown> | undefined;
      const settle = (status: number, payload: unknown, hasBody: boolean): Promise<unknown> => {
        if (settled) return settled;
        clearInterval(renew);
        const body = hasBody ? JSON.stringify(payload) : null;
        const location = (res.getHeader('location') as string | undefined) ?? null;
        const credential = status < 400 && (handling === 'refuse-replay' || (body !== null && CREDENTIAL_SHAPE.test(body)));
        if (credential && handling !== 'refuse-replay') {
          // A credential-bearing answer from an operation not listed above: withheld, and said so.
          logger().warn({ operation: req.operation?.operationId, permission }, 'idempotency: answer looks like it carries a credential; not stored');
        }
        settled = (
          status >= 500
            ? keys.forgetKey(sequelize, id)
            : keys.storeAnswer(sequelize, id, { status: credential ? 'withheld' : 'completed', responseStatus: status, body: credential ? null : body, location, expiresAt: new Date(Date.now() + TTL_MS) })
        ).catch((err: unknown) => logger().warn({ err: String(err) }, 'idempotency: could not record the answer'));
        return settled;
      };

      // Store the answer before it is sent, so a retry arriving right after sees it completed.
      const json = res.json.bind(res);
      res.json = (payload: unknown) => {
        void settle(res.statusCode, payload, true).finally(() => json(payload));
        return res;
      };
      // Answers without a JSON body (204, or a handler that used res.end) are recorded as sent.
      res.on('finish', () => void settle(res.statusCode, undefined, false));
      next();
    } catch (err) {
      next(err);
    }
  };
}
