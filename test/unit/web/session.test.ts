import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../web/src/lib/api/http.js';
import { createSession, type AuthPort } from '../../../web/src/lib/stores/session.js';
import type { Me } from '../../../web/src/lib/services/auth.js';

const operator: Me = {
  user: { id: 'u1', email: 'operator@trellis.local', name: 'Operator', role: 'operator', entity_id: null, entity_role: null },
  role: 'operator',
  entity: null,
  permissions: ['orders:read', 'orders:write', 'workflows:read', 'workflows:write', 'sync:write'],
  mfa: { enabled: false, verified: false },
};

function port(over: Partial<AuthPort> = {}): AuthPort {
  return {
    me: async () => operator,
    login: async () => ({ mfa_required: false }),
    verifyMfa: async () => ({}),
    logout: async () => {},
    ...over,
  };
}

describe('session store', () => {
  it('signs in, and disables actions the role lacks with a reason', async () => {
    const s = createSession(port());
    expect((await s.login('operator@trellis.local', 'pw')).status).toBe('signed-in');
    expect(s.check('workflows.operate')).toEqual({ allowed: true, reason: '' });
    const fix = s.check('compliance.fix');
    expect(fix.allowed).toBe(false);
    expect(fix.reason).toMatch(/compliance/i);
    expect(s.can('audit:read')).toBe(false);
  });

  it('asks for the second factor, then completes', async () => {
    let verified = false;
    const s = createSession(
      port({
        login: async () => ({ mfa_required: true }),
        verifyMfa: async (code) => {
          if (code !== '123456') throw new ApiError(401, 'UNAUTHORIZED', 'Invalid code');
          verified = true;
        },
        me: async () => (verified ? operator : Promise.reject(new ApiError(401, 'MFA_REQUIRED', 'Second factor required'))),
      }),
    );
    expect(await s.login('admin@trellis.local', 'pw')).toEqual({ status: 'mfa', email: 'admin@trellis.local' });
    await expect(s.verifyMfa('000000')).rejects.toThrow('Invalid code');
    expect(get(s).status).toBe('mfa');
    expect((await s.verifyMfa('123456')).status).toBe('signed-in');
  });

  it('acts as a development admin while the identity service is not deployed', async () => {
    const s = createSession(port({ me: async () => Promise.reject(new ApiError(404, 'NOT_FOUND', 'No route for GET /api/v1/auth/me')) }));
    expect((await s.refresh()).status).toBe('development');
    expect(s.check('compliance.fix').allowed).toBe(true);
  });

  it('is anonymous on 401 and ends on expiry', async () => {
    let ok = true;
    const s = createSession(port({ me: async () => (ok ? operator : Promise.reject(new ApiError(401, 'UNAUTHORIZED', 'Sign in'))) }));
    await s.refresh();
    s.expired();
    expect(get(s)).toMatchObject({ status: 'anonymous', error: expect.stringMatching(/session ended/) });
    ok = false;
    expect((await s.refresh()).status).toBe('anonymous');
    expect(s.can('orders:read')).toBe(false);
  });
});
