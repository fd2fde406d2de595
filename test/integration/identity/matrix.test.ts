/**
 * The authorization matrix: every operation in openapi.yaml × every kind of caller, with the
 * expected verdict computed from domain/policy.ts. Calls use random ids and empty bodies, so an
 * allowed call ends in 200/400/404/409/422 — never 401/403 — and a denied one is 401/403 before
 * any input is looked at. A new operation without a rule fails the first test.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, operationRuleProblems, type Operation } from '../../../api/http/operations.js';
import { openapiDocument } from '../../../api/http/openapi.js';
import type { Actor } from '../../../domain/actor.js';
import { API_KEY_SCOPES, decide, type MfaState } from '../../../domain/policy.js';
import { adminHeaders, apiKeyHeaders, createTestSession, createTestUser } from '../../support/auth.js';
import { createWorld, request } from '../../support/fixtures.js';
import { closeDeps, createDeps, startApi, type RunningApi } from '../../support/harness.js';

interface Caller {
  name: string;
  actor?: Actor;
  mfa?: MfaState;
  headers(): Promise<Record<string, string>>;
}

const expected = { allow: 'allowed', forbidden: 403, unauthenticated: 401, mfa_required: 401 } as const;

function pathFor(op: Operation): string {
  return op.path.replace(/\{[^}]+\}/g, () => randomUUID());
}

describe('authorization matrix over every operation in openapi.yaml', () => {
  const deps = createDeps({ API_KEY_RATE_LIMIT_PER_MINUTE: '100000' });
  let api: RunningApi;
  const callers: Caller[] = [];
  const ops = listOperations(openapiDocument);

  beforeAll(async () => {
    api = await startApi(deps);
    const world = await createWorld(api.url, await adminHeaders(deps));
    const session = (opts: Parameters<typeof createTestUser>[1], mfaVerified = true) => {
      const user = createTestUser(deps, opts);
      return async () => ({ authorization: `Bearer ${await createTestSession(deps, (await user).id, mfaVerified)}` });
    };
    const u = (role: Actor['role'], entityId?: string): Actor => ({ kind: 'user', id: 'x', role, ...(entityId ? { entityId } : {}) });
    const k = (scopes: string[]): Actor => ({ kind: 'api_key', id: 'k', role: 'partner', entityId: world.retailer.id, scopes });
    const fullKey = apiKeyHeaders(deps, { entityId: world.retailer.id, scopes: [...API_KEY_SCOPES] });
    const narrowKey = apiKeyHeaders(deps, { entityId: world.wholesaler.id, scopes: ['inventory:read'] });
    callers.push(
      { name: 'anonymous', headers: async () => ({}) },
      { name: 'admin', actor: u('admin'), headers: session({ role: 'admin' }) },
      { name: 'admin (MFA pending)', actor: u('admin'), mfa: 'pending', headers: session({ role: 'admin' }, false) },
      { name: 'admin (no factor yet)', actor: u('admin'), mfa: 'enrollment_required', headers: session({ role: 'admin', mfa: false }, false) },
      { name: 'operator', actor: u('operator'), headers: session({ role: 'operator' }) },
      { name: 'compliance', actor: u('compliance'), headers: session({ role: 'compliance' }) },
      { name: 'retailer owner', actor: u('owner', world.retailer.id), headers: session({ role: 'owner', entityId: world.retailer.id }) },
      { name: 'retailer member', actor: u('member', world.retailer.id), headers: session({ role: 'member', entityId: world.retailer.id }) },
      { name: 'wholesaler owner', actor: u('owner', world.wholesaler.id), headers: session({ role: 'owner', entityId: world.wholesaler.id }) },
      { name: 'partner key (all scopes)', actor: k([...API_KEY_SCOPES]), headers: () => fullKey },
      { name: 'partner key (inventory:read)', actor: k(['inventory:read']), headers: () => narrowKey },
    );
  });
  afterAll(async () => {
    await api?.close();
    await closeDeps(deps);
  });

  it('every operation names a known permission and declares matching security', () => {
    expect(ops.length).toBeGreaterThan(40);
    expect(operationRuleProblems(openapiDocument)).toEqual([]);
    for (const op of ops) expect(op.permission, op.operationId).toBeDefined();
  });

  it('answers every operation for every caller as the policy says', async () => {
    const mismatches: string[] = [];
    for (const op of ops) {
      for (const caller of callers) {
        const verdict = decide(caller.actor, op.permission!, caller.mfa ?? 'verified');
        const want = expected[verdict];
        const hasBody = ['POST', 'PATCH', 'PUT'].includes(op.method);
        const r = await request(api.url, op.method, pathFor(op), hasBody ? {} : undefined, await caller.headers());
        const code = r.body?.error?.code;
        const ok =
          want === 'allowed'
            ? r.status !== 401 && r.status !== 403
            : r.status === want && code === (verdict === 'mfa_required' ? 'MFA_REQUIRED' : verdict === 'forbidden' ? 'FORBIDDEN' : 'UNAUTHORIZED');
        if (!ok) mismatches.push(`${op.operationId} as ${caller.name}: expected ${verdict}, got ${r.status} ${code ?? ''}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
