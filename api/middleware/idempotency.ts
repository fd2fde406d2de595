import { createHash, randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UniqueConstraintError, type Sequelize } from 'sequelize';
import { AppError } from '../../domain/errors.js';

/**
 * Idempotency-Key for POST: the first request's answer is stored and replayed for retries with
 * the same key and body; a different body under the same key is refused (422). Keys are scoped
 * to the caller and live 24 h. An in-flight duplicate gets 409 instead of running twice.
 * 5xx answers are not stored, so a retry after a server fault runs again.
 */
const TTL_MS = 24 * 60 * 60 * 1000;

const canonical = (v: unknown): string =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : `{${Object.keys(v as object)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`;

export function idempotency(sequelize: Sequelize): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || !key) return next();
    try {
      const scope = req.actor ? `${req.actor.kind}:${req.actor.id}` : 'anonymous';
      const requestHash = createHash('sha256')
        .update(`${req.method} ${req.originalUrl}\n${canonical(req.body ?? null)}`)
        .digest('hex');
      const now = new Date();
      if (Math.random() < 0.01) {
        void sequelize.query('DELETE FROM idempotency_keys WHERE expires_at < ? LIMIT 500', { replacements: [now] }).catch(() => undefined);
      }
      const id = randomUUID();
      try {
        await sequelize.query(
          `INSERT INTO idempotency_keys (id, scope, idem_key, method, path, request_hash, status, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
          { replacements: [id, scope, key, req.method, req.originalUrl.slice(0, 512), requestHash, new Date(now.getTime() + TTL_MS)] },
        );
      } catch (err) {
        if (!(err instanceof UniqueConstraintError)) throw err;
        const [rows] = await sequelize.query(
          'SELECT id, request_hash, status, response_status, response_body, response_location, expires_at FROM idempotency_keys WHERE scope = ? AND idem_key = ?',
          { replacements: [scope, key] },
        );
        const prior = (rows as Array<Record<string, unknown>>)[0];
        if (!prior) throw new AppError('CONFLICT', 'Idempotency key is being reused concurrently; retry shortly');
        if (new Date(prior.expires_at as string) < now) {
          await sequelize.query('DELETE FROM idempotency_keys WHERE id = ?', { replacements: [prior.id] });
          throw new AppError('CONFLICT', 'Idempotency key expired just now; retry the request');
        }
        if (prior.request_hash !== requestHash) {
          throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request', {
            field: 'Idempotency-Key',
            issue: 'reused with a different body or path',
          });
        }
        if (prior.status !== 'completed') {
          throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress', { field: 'Idempotency-Key' });
        }
        res.setHeader('Idempotent-Replayed', 'true');
        if (prior.response_location) res.setHeader('Location', String(prior.response_location));
        res.status(Number(prior.response_status));
        if (prior.response_body === null) res.end();
        else res.type('application/json').send(String(prior.response_body));
        return;
      }

      // Store the answer before it is sent, so a retry arriving right after sees it completed.
      const json = res.json.bind(res);
      res.json = (payload: unknown) => {
        const store =
          res.statusCode >= 500
            ? sequelize.query('DELETE FROM idempotency_keys WHERE id = ?', { replacements: [id] })
            : sequelize.query(
                `UPDATE idempotency_keys SET status = 'completed', response_status = ?, response_body = ?, response_location = ? WHERE id = ?`,
                { replacements: [res.statusCode, JSON.stringify(payload), (res.getHeader('location') as string | undefined) ?? null, id] },
              );
        store.catch(() => undefined).finally(() => json(payload));
        return res;
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}
