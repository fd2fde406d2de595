import { describe, expect, it } from 'vitest';
import { listOperations, operationRuleProblems } from '../../../api/http/operations.js';
import { lockSeconds } from '../../../api/services/throttle.js';
import { changesOf, sanitiseSummary, targetTypeOf } from '../../../api/services/audit.js';
import type { Actor } from '../../../domain/actor.js';
import { tenantOf } from '../../../domain/actor.js';
import { decide, normaliseScopes, permissionsOf, PERMISSIONS } from '../../../domain/policy.js';
import { decryptSecret, encryptSecret, keyedHash, safeEqual } from '../../../platform/crypto.js';

const user = (role: Actor['role'], entityId?: string): Actor => ({ kind: 'user', id: 'u', role, ...(entityId ? { entityId } : {}) });
const key = (scopes: string[]): Actor => ({ kind: 'api_key', id: 'k', role: 'partner', entityId: 'e', scopes });

describe('access policy', () => {
  it('lets anyone sign in or follow an unsubscribe link, and nobody anonymous do anything else', () => {
    // The whole list of what needs no credentials: a new public permission must be added here on purpose.
    const PUBLIC = ['auth:login', 'notifications:unsubscribe'];
    for (const p of Object.keys(PERMISSIONS) as Array<keyof typeof PERMISSIONS>) {
      expect(decide(undefined, p), p).toBe(PUBLIC.includes(p) ? 'allow' : 'unauthenticated');
    }
  });

  it('decides by role for users and by scope for keys', () => {
    expect(decide(user('admin'), 'audit:read')).toBe('allow');
    expect(decide(user('operator'), 'audit:read')).toBe('forbidden');
    expect(decide(user('compliance'), 'compliance:write')).toBe('allow');
    expect(decide(user('operator'), 'compliance:write')).toBe('forbidden');
    expect(decide(user('member', 'e'), 'api-keys:manage')).toBe('forbidden');
    expect(decide(user('owner', 'e'), 'api-keys:manage')).toBe('allow');
    expect(decide(key(['orders:read']), 'orders:read')).toBe('allow');
    expect(decide(key(['orders:write']), 'orders:read')).toBe('allow'); // write includes read
    expect(decide(key(['orders:read']), 'orders:write')).toBe('forbidden');
    expect(decide(key(['catalog:write']), 'auth:self')).toBe('forbidden');
  });

  it('lets an MFA-pending session only sign out, verify, or enrol when it has no factor yet', () => {
    const admin = user('admin');
    expect(decide(admin, 'orders:read', 'pending')).toBe('mfa_required');
    expect(decide(admin, 'auth:self', 'pending')).toBe('mfa_required');
    expect(decide(admin, 'auth:mfa-verify', 'pending')).toBe('allow');
    expect(decide(admin, 'auth:logout', 'pending')).toBe('allow');
    // A stolen password must not be enough to replace an enrolled factor.
    expect(decide(admin, 'auth:mfa-enroll', 'pending')).toBe('mfa_required');
    expect(decide(admin, 'auth:mfa-enroll', 'enrollment_required')).toBe('allow');
  });

  it('lists the permissions an actor holds for the console', () => {
    const perms = permissionsOf(user('compliance'));
    expect(perms).toContain('compliance:write');
    expect(perms).not.toContain('audit:read');
    expect(perms).not.toContain('auth:login');
  });

  it('normalises key scopes: known names only, sorted, unique', () => {
    expect(normaliseScopes(['orders:write', 'bogus', 'catalog:read', 'orders:write'])).toEqual(['catalog:read', 'orders:write']);
  });

  it('fails closed for an entity-scoped actor without an entity', () => {
    expect(() => tenantOf({ kind: 'api_key', id: 'k', role: 'partner' })).toThrow();
    expect(tenantOf(user('operator'))).toBeUndefined();
  });
});

describe('operation rules in the spec', () => {
  const doc = (op: Record<string, unknown>) => ({ security: [{ bearerSession: [] }, { cookieSession: [] }], paths: { '/things/{id}': { get: { operationId: 'getThing', ...op } } } });

  it('reports an operation without x-trellis-permission', () => {
    expect(operationRuleProblems(doc({}))[0]).toMatch(/\(getThing\) has no x-trellis-permission/);
  });
  it('reports an unknown permission', () => {
    expect(operationRuleProblems(doc({ 'x-trellis-permission': 'nope:nope' }))[0]).toMatch(/unknown permission "nope:nope"/);
  });
  it('requires the apiKey scopes of key-capable permissions and forbids them otherwise', () => {
    expect(operationRuleProblems(doc({ 'x-trellis-permission': 'orders:read' }))[0]).toMatch(/apiKey: \[orders:read, orders:write\]/);
    expect(
      operationRuleProblems(doc({ 'x-trellis-permission': 'orders:read', security: [{ bearerSession: [] }, { cookieSession: [] }, { apiKey: ['orders:write', 'orders:read'] }] })),
    ).toEqual([]);
    expect(operationRuleProblems(doc({ 'x-trellis-permission': 'audit:read', security: [{ bearerSession: [] }, { cookieSession: [] }, { apiKey: [] }] }))[0]).toMatch(/may not use/);
  });
  it('requires public operations to declare empty security', () => {
    expect(operationRuleProblems(doc({ 'x-trellis-permission': 'auth:login' }))[0]).toMatch(/security: \[\]/);
    expect(operationRuleProblems(doc({ 'x-trellis-permission': 'auth:login', security: [] }))).toEqual([]);
  });
  it('matches literal paths before templated ones', () => {
    const ops = listOperations({ paths: { '/a/{id}': { get: { operationId: 'x' } }, '/a/me': { get: { operationId: 'y' } } } });
    expect(ops[0]!.operationId).toBe('y');
  });
});

describe('credential primitives', () => {
  it('seals secrets with authenticated encryption bound to the key and purpose', () => {
    const sealed = encryptSecret('app-secret', 'mfa', 'JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(decryptSecret('app-secret', 'mfa', sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => decryptSecret('other-secret', 'mfa', sealed)).toThrow();
    expect(() => decryptSecret('app-secret', 'other', sealed)).toThrow();
  });
  it('compares in constant time and hashes per purpose', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(keyedHash('s', 'a', 'v')).not.toBe(keyedHash('s', 'b', 'v'));
  });
  it('doubles lockouts up to a day', () => {
    expect([1, 2, 3, 4].map((n) => lockSeconds(60, n))).toEqual([60, 120, 240, 480]);
    expect(lockSeconds(60, 40)).toBe(86_400);
  });
});

describe('audit summaries', () => {
  it('drops secrets and keeps real changes only', () => {
    expect(sanitiseSummary({ name: 'x', password: 'hunter2', nested: { api_key: 'trk_1', token: 't' } })).toEqual({
      name: 'x',
      password: '[redacted]',
      nested: { api_key: '[redacted]', token: '[redacted]' },
    });
    expect(changesOf({ a: 1, b: 'same' }, { a: 2, b: 'same' })).toEqual({ a: { from: 1, to: 2 } });
    expect(targetTypeOf('ProductVariant')).toBe('product_variant');
  });
});
