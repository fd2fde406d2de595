/**
 * Password sign-in with per-account and per-IP throttling. Every failure looks the same to the
 * caller (unknown email, wrong password, disabled account), and an unknown email still pays for
 * a password verification so timing does not tell accounts apart.
 */
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { SYSTEM_ACTOR } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { Config } from '../../platform/config.js';
import { decoyHash, verifyPassword } from '../../platform/crypto.js';
import { createThrottle, type Subject } from '../auth/throttle.js';
import { audit } from './audit.js';
import { actorOfUser, createSessionService, mfaStateOf, normaliseUser, USER_COLUMNS } from './authSessions.js';

export interface LoginDeps {
  sequelize: Sequelize;
  redis: Redis;
  config: Config;
}

const invalid = () => new AppError('UNAUTHORIZED', 'Invalid email or password');

export function createLoginService(deps: LoginDeps) {
  const { sequelize, config } = deps;
  const throttle = createThrottle(deps.redis, config.auth.loginLockoutSeconds);
  const sessions = createSessionService(deps);

  return {
    async login(input: { email: string; password: string; ip?: string; userAgent?: string }) {
      const email = input.email.trim().toLowerCase();
      const subjects: Subject[] = [
        { id: `acct:${email}`, maxFailures: config.auth.loginMaxFailures },
        { id: `ip:${input.ip ?? 'unknown'}`, maxFailures: config.auth.loginIpMaxFailures },
      ];
      await throttle.assertOpen(subjects);

      const [rows] = await sequelize.query(
        `SELECT ${USER_COLUMNS}, u.password_hash, u.disabled_at FROM users u LEFT JOIN entities e ON e.id = u.entity_id WHERE u.email = ?`,
        { replacements: [email] },
      );
      const row = (rows as Array<Record<string, unknown>>)[0];
      const ok = row
        ? (await verifyPassword(String(row.password_hash), input.password)) && !row.disabled_at
        : (await verifyPassword(await decoyHash(), input.password), false);
      if (!ok) {
        const locked = await throttle.recordFailure(subjects);
        if (locked) {
          await audit(sequelize, SYSTEM_ACTOR, { action: 'auth.lockout', targetType: 'user', targetId: (row?.id as string | undefined) ?? undefined, entityId: null, summary: { lock_seconds: locked } }, { ip: input.ip });
          throw throttle.lockedError(locked);
        }
        throw invalid();
      }
      await throttle.recordSuccess(subjects.slice(0, 1));
      const user = normaliseUser(row!);
      const mfa = mfaStateOf(user, false);
      const session = await sessions.create(user.id, { mfaVerified: mfa === 'verified', ip: input.ip, userAgent: input.userAgent });
      await sequelize.query('UPDATE users SET last_login_at = ? WHERE id = ?', { replacements: [new Date(), user.id] });
      await audit(sequelize, actorOfUser(user, session.id), { action: 'auth.login', targetType: 'user', targetId: user.id, summary: { mfa } }, { ip: input.ip });
      return { user, session, mfa };
    },
  };
}
