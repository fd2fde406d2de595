/**
 * Demo users for `npm start` (called by scripts/seed.ts after the entities are loaded).
 *
 * DEVELOPMENT ONLY — fixed, published credentials:
 *   admin@trellis.local       / trellis-admin-demo       (platform admin, MFA)
 *   operator@trellis.local    / trellis-operator-demo    (platform operator, MFA)
 *   compliance@trellis.local  / trellis-compliance-demo  (platform compliance, MFA)
 *   owner.<license>@trellis.local / trellis-owner-demo   (one owner per demo entity, e.g.
 *                                                          owner.sf-sbx-co-21-8001@trellis.local)
 * Admin, operator and compliance must pass a second factor. Their TOTP secret is the fixed dev-only base32
 * string DEMO_TOTP_SECRET below: add it to any authenticator app, or print a current code with
 *   node -e "console.log(require('otplib').authenticator.generate('JBSWY3DPEHPK3PXPTRELLISDEMO2345'))"
 * Never reuse these in a real deployment; they are seeded only into an empty database.
 */
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { config } from '../../platform/config.js';
import { assertDemoSeedAllowed } from './guard.js';
import { hashPassword, sealMfaSecret } from '../../platform/crypto.js';

/** Dev-only TOTP secret shared by the demo admin, operator and compliance users (see header). */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPTRELLISDEMO2345';

export const DEMO_STAFF = [
  { email: 'admin@trellis.local', name: 'Avery Admin', role: 'admin', password: 'trellis-admin-demo', mfa: true },
  { email: 'operator@trellis.local', name: 'Oren Operator', role: 'operator', password: 'trellis-operator-demo', mfa: true },
  { email: 'compliance@trellis.local', name: 'Casey Compliance', role: 'compliance', password: 'trellis-compliance-demo', mfa: true },
] as const;
export const DEMO_OWNER_PASSWORD = 'trellis-owner-demo';

export async function seedDemoUsers(sequelize: Sequelize, appSecret = config().appSecret): Promise<string> {
  assertDemoSeedAllowed();
  const insert = async (u: { email: string; name: string; role: string; hash: string; entityId?: string; mfa: boolean }) => {
    await sequelize.query(
      `INSERT INTO users (id, email, name, password_hash, role, entity_id, entity_role, mfa_secret_enc, mfa_enabled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE email = email`,
      {
        replacements: [
          randomUUID(),
          u.email,
          u.name,
          u.hash,
          u.role,
          u.entityId ?? null,
          u.entityId ? 'owner' : null,
          u.mfa ? sealMfaSecret(appSecret, DEMO_TOTP_SECRET) : null,
          u.mfa ? 1 : 0,
        ],
      },
    );
  };
  for (const s of DEMO_STAFF) await insert({ ...s, hash: await hashPassword(s.password) });
  const [entities] = await sequelize.query('SELECT id, name, license_number FROM entities ORDER BY license_number');
  const ownerHash = await hashPassword(DEMO_OWNER_PASSWORD);
  for (const e of entities as Array<{ id: string; name: string; license_number: string }>) {
    const slug = e.license_number.toLowerCase().replace(/[^a-z0-9-]/g, '');
    await insert({ email: `owner.${slug}@trellis.local`, name: `${e.name} Owner`, role: 'entity', hash: ownerHash, entityId: e.id, mfa: false });
  }
  return `${DEMO_STAFF.length + (entities as unknown[]).length} users (admin@trellis.local / trellis-admin-demo, TOTP secret in db/seed/users.ts)`;
}
