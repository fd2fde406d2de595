/**
 * The audit trail: who did what to which object, from where. Features call `audit(...)` for
 * their own actions (e.g. `order.accepted`, `metrc.submission.retried`); the generic CRUD and
 * order services record every mutation themselves. Pass the caller's transaction so the trail
 * row commits or rolls back with the change it describes.
 */
import type { Sequelize, Transaction } from 'sequelize';
import type { Actor, Origin } from '../../domain/actor.js';
import { auditRowStatement, insertAuditRow, type AuditRow } from '../../db/repositories/auditLog.js';

export interface AuditEvent {
  /** `<target>.<verb>` in snake_case, e.g. `product.created`, `order.accepted`. */
  action: string;
  targetType?: string;
  targetId?: string;
  /** The tenant the action concerns; defaults to the actor's entity. */
  entityId?: string | null;
  /** Small JSON describing the change (field names, from/to). Secrets are dropped. */
  summary?: Record<string, unknown>;
}

/** The request's id and client address come from the caller (routes pass `originOf(req)`). */
export interface AuditOptions extends Origin {
  transaction?: Transaction;
}

const SENSITIVE = /(password|secret|token|hash|credential|^key$|api_?key|recovery)/i;
const MAX_STRING = 200;

/** Drops secret-looking keys and trims long strings so the trail never becomes a data leak. */
export function sanitiseSummary(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value !== 'object') return value;
  if (depth > 4) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => sanitiseSummary(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE.test(k) ? '[redacted]' : sanitiseSummary(v, depth + 1);
  return out;
}

function auditRow(actor: Actor, event: AuditEvent, opts: AuditOptions): AuditRow {
  return {
    actorType: actor.kind,
    actorId: actor.id,
    actorLabel: actor.label ?? null,
    entityId: event.entityId === undefined ? (actor.entityId ?? null) : event.entityId,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    summary: event.summary ? sanitiseSummary(event.summary) : null,
    requestId: opts.requestId ?? null,
    ip: opts.ip ?? null,
  };
}

export async function audit(sequelize: Sequelize, actor: Actor, event: AuditEvent, opts: AuditOptions = {}): Promise<void> {
  await insertAuditRow(sequelize, auditRow(actor, event, opts), opts.transaction);
}

/** The same row as a statement, for writers that commit it together with their change. */
export const auditStatement = (actor: Actor, event: AuditEvent, opts: AuditOptions = {}) => auditRowStatement(auditRow(actor, event, opts));

/** `{ field: { from, to } }` for the fields of `patch` whose value actually changes. */
export function changesOf(before: Record<string, unknown>, patch: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const norm = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, to] of Object.entries(patch)) {
    const from = before[k];
    if (JSON.stringify(norm(from)) !== JSON.stringify(norm(to))) out[k] = { from: norm(from) ?? null, to: norm(to) ?? null };
  }
  return out;
}

/** Model name → audit target type: ProductVariant → product_variant. */
export const targetTypeOf = (model: string): string => model.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
