/**
 * Every reference a create or update body can carry is checked against the caller's tenancy.
 * Generated from openapi.yaml: for every POST/PUT/PATCH with a JSON body and every `*_id` field its
 * schema declares, each caller of tenant A sends a valid body with that one field naming tenant
 * B's object of the same kind. The answer is 404 or 422 (403 where the policy denies the caller
 * the operation outright) and not one row in any table changes in number. The same body with A's
 * own object must succeed for at least one of A's callers, so a refusal is about the reference,
 * not about a body the generator got wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, type Operation } from '../../../api/http/operations.js';
import type { ApiDeps } from '../../../api/deps.js';
import { openapiDocument } from '../../../api/http/openapi.js';
import { decide } from '../../../domain/policy.js';
import { adminHeaders } from '../../support/auth.js';
import { request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';
import { fieldName, getAt, jsonBodySchema, referenceFields, replaced, resolve, sample, type FieldPath } from '../../support/spec.js';
import { callersOf, createTenant, removeConnections, pathFor, referenceOf, type Tenant, type TenantCaller } from '../../support/tenants.js';

/**
 * Operations whose reference check only runs in a state a generic body cannot reach, with that
 * state set up directly; they run last. Fulfilment's lines are checked once the order is accepted,
 * and only the seller fulfils; succeeding needs a running order workflow and METRC packages, which
 * test/integration/orders covers.
 */
interface NeedsState {
  body: Record<string, unknown>;
  side: 'wholesaler' | 'retailer';
  prepare(deps: ApiDeps, t: Tenant): Promise<void>;
}
const NEEDS_STATE: Record<string, NeedsState> = {
  transitionOrder: {
    body: { action: 'fulfil' },
    side: 'wholesaler',
    async prepare(deps, t) {
      await deps.sequelize.query("UPDATE orders SET status = 'accepted' WHERE id = ?", { replacements: [t.order.id] });
    },
  },
};

describe('references in create and update bodies stay within the caller\'s tenancy', () => {
  const deps = createDeps({ API_KEY_RATE_LIMIT_PER_MINUTE: '1000000', SESSION_RATE_LIMIT_PER_MINUTE: '1000000' });
  let api: RunningApi;
  let a: Tenant;
  let b: Tenant;
  let callers: TenantCaller[];
  let tables: string[];
  const writes = listOperations(openapiDocument)
    .filter((op) => ['POST', 'PUT', 'PATCH'].includes(op.method) && jsonBodySchema(op))
    .sort((x, y) => Number(x.operationId in NEEDS_STATE) - Number(y.operationId in NEEDS_STATE));

  const rowCounts = async () => {
    const [rows] = await deps.sequelize.query(tables.map((t) => `SELECT '${t}' AS t, COUNT(*) AS n FROM \`${t}\``).join(' UNION ALL '));
    return Object.fromEntries((rows as Array<{ t: string; n: number }>).map((r) => [r.t, Number(r.n)]));
  };

  beforeAll(async () => {
    api = await startApi(deps);
    const admin = await adminHeaders(deps);
    [a, b] = [await createTenant(api.url, admin), await createTenant(api.url, admin)];
    callers = await callersOf(deps, a);
    const [rows] = await deps.sequelize.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'");
    tables = (rows as Array<{ t: string }>).map((r) => r.t).filter((t) => !t.startsWith('umzug') && !t.startsWith('SequelizeMeta'));
  });
  afterAll(async () => {
    if (a && b) await removeConnections(api.url, await adminHeaders(deps), [a, b]);
    await api?.close();
    await closeDeps(deps);
  });

  const mayAttempt = (c: TenantCaller, op: Operation) => decide(c.actor, op.permission!) === 'allow';

  /**
   * The sampled body, and one variant per value of its first top-level enum (a role, a vendor):
   * the first value alone may be one no tenant may use (inviting staff), which would hide the
   * reference check behind a 403.
   */
  function bodiesFor(op: Operation, t: Tenant, c: TenantCaller): Array<Record<string, unknown>> {
    const schema = jsonBodySchema(op)!;
    const forced = NEEDS_STATE[op.operationId]?.body ?? {};
    const body = { ...(sample(schema, (name) => referenceOf(t, c.side, name)) as Record<string, unknown>), ...forced };
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    const choice = Object.keys(body).find((k) => !(k in forced) && Array.isArray(resolve(props[k]).enum));
    if (!choice) return [body];
    return (resolve(props[choice]).enum as unknown[]).filter((v) => v !== null).map((v) => ({ ...body, [choice]: v }));
  }

  it('finds the reference fields in the spec', () => {
    const fields = writes.flatMap((op) => referenceFields(jsonBodySchema(op)).map((f) => `${op.operationId}:${fieldName(f)}`));
    // The ones the review reproduced must be among them.
    expect(fields).toEqual(expect.arrayContaining(['createProduct:entity_id', 'createLocation:entity_id', 'createPosConnection:entity_id', 'createOrder:items[0].variant_id']));
  });

  it('refuses another tenant\'s id in every reference field and writes nothing', { timeout: 600_000 }, async () => {
    const problems: string[] = [];
    const staffOnly: string[] = [];
    let refusedForTenancy = 0;
    for (const op of writes) {
      const fields = referenceFields(jsonBodySchema(op));
      if (fields.length === 0) continue;
      const state = NEEDS_STATE[op.operationId];
      await state?.prepare(deps, a);
      const path = pathFor(a, op.path);
      const who = callers.filter((c) => !state || c.side === state.side);
      // Swapped requests first (they must write nothing), then the same bodies with A's own objects.
      const refused = new Map<string, string[]>();
      for (const field of fields as FieldPath[]) {
        for (const c of who) {
          for (const [v, body] of bodiesFor(op, a, c).entries()) {
            const foreign = referenceOf(b, c.side, String(field[field.length - 1]));
            const where = `${op.method} ${op.path} ${fieldName(field)}=<B's> as ${c.name} (body ${v})`;
            if (getAt(body, field) === undefined || foreign === undefined) {
              // No fixture names this kind of object: only acceptable where no tenant may call at all.
              if (mayAttempt(c, op)) problems.push(`${where}: no fixture for this reference; add it to test/support/tenants.ts`);
              continue;
            }
            const before = await rowCounts();
            const r = await request(api.url, op.method, path, replaced(body, field, foreign), c.headers);
            const after = await rowCounts();
            const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
            if (changed.length) problems.push(`${where} changed row counts of ${changed.join(', ')}`);
            if (!r.body?.error?.code) problems.push(`${where} → ${r.status} without an error envelope`);
            if ([404, 422].includes(r.status)) refusedForTenancy++;
            // 403 only where the caller may not send this body even with its own objects (checked below).
            else if (r.status === 403) refused.set(`${c.name}/${v}`, [...(refused.get(`${c.name}/${v}`) ?? []), where]);
            else problems.push(`${where} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          }
        }
      }
      if (state) {
        for (const [, list] of refused) problems.push(...list.map((w) => `${w} → 403, expected 404/422`));
        continue;
      }
      // The same bodies with A's own objects: one must go through for one of A's callers, and each
      // refusal 403 above must be a 403 with the caller's own objects too. (An operation every
      // tenant caller is refused 403 with every body — staff-only by policy or by a domain rule —
      // has no tenancy to cross; its refusals above still wrote nothing.)
      const outcomes: string[] = [];
      let succeeded = false;
      let allForbidden = true;
      for (const c of who) {
        for (const [v, body] of bodiesFor(op, a, c).entries()) {
          const r = await request(api.url, op.method, path, body, c.headers);
          outcomes.push(`${c.name} (body ${v}) → ${r.status} ${JSON.stringify(r.body?.error?.message ?? '').slice(0, 120)}`);
          if (r.status >= 200 && r.status < 300) succeeded = true;
          if (r.status !== 403) allForbidden = false;
          if (r.status !== 403) problems.push(...(refused.get(`${c.name}/${v}`) ?? []).map((w) => `${w} → 403, but ${r.status} with its own objects`));
        }
      }
      if (!succeeded && !allForbidden) problems.push(`${op.operationId}: the body with the tenant's own objects never succeeded (${outcomes.join('; ')})`);
      if (allForbidden) staffOnly.push(op.operationId);
    }
    expect(problems).toEqual([]);
    expect(refusedForTenancy).toBeGreaterThan(20);
    // The review's reproductions are exercised with a tenant that may otherwise create them.
    for (const op of ['createProduct', 'createPosConnection', 'createInventory', 'createProductVariant', 'createOrder', 'createApiKey']) expect(staffOnly).not.toContain(op);
    console.log(`tenancy references: ${refusedForTenancy} refusals; refused to every tenant caller with its own objects too: ${staffOnly.join(', ')}`);
  });
});
