/**
 * Password sign-in with per-account and per-client throttling. Every failure looks the same to
 * the caller (unknown email, wrong password, disabled account), and an unknown email still pays
 * for a password verification so timing does not tell accounts apart. The attempt is reserved
 * (services/throttle.ts) before the password is checked, so parallel guesses cannot outrun the
 * limit; the client address is `req.ip` as TRUST_PROXY resolves it.
 */
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { SYSTEM_ACTOR } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { Config } from '../../platform/config.js';
import { decoyHash, verifyPassword } from '../../platform/crypto.js';
import { createThrottle, type Subject } from './throttle.js';
import { audit } from './audit.js';
import { actorOfUser, createSessionService, mfaStateOf, normaliseUser } from './authSessions.js';
import { markSignedIn, userForSignIn } from '../../db/repositories/identity.js';

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
    async login(input: { email: string; password: string; ip?: string; requestId?: string; userAgent?: string }) {
      const email = input.email.trim().toLowerCase();
      const subjects: Subject[] = [
        { id: `acct:${email}`, maxFailures: config.auth.loginMaxFailures },
        { id: `client:${input.ip ?? 'unknown'}`, maxFailures: config.auth.loginIpMaxFailures },
      ];
      await throttle.reserve(subjects);

      let row: Record<string, unknown> | undefined;
      let ok: boolean;
      try {
        row = await userForSignIn(sequelize, email);
        ok = row
          ? (await verifyPassword(String(row.password_hash), input.password)) && !row.disabled_at
          : (await verifyPassword(await decoyHash(), input.password), false);
      } catch (err) {
        // The check never happened (database down): the attempt is neither a failure nor a success.
        await throttle.released(subjects);
        throw err;
      }
      if (!ok) {
        const { retryAfter, lockedNow } = await throttle.failed(subjects);
        if (lockedNow) {
          await audit(sequelize, SYSTEM_ACTOR, { action: 'auth.lockout', targetType: 'user', targetId: (row?.id as string | undefined) ?? undefined, entityId: null, summary: { lock_seconds: retryAfter } }, { ip: input.ip, requestId: input.requestId });
        }
        if (retryAfter) throw throttle.lockedError(retryAfter);
        throw invalid();
      }
      // The account starts afresh; the client address only gets this attempt back.
      await throttle.succeeded(subjects, subjects.slice(0, 1));
      const user = normaliseUser(row!);
      const mfa = mfaStateOf(user, false);
      const session = await sessions.create(user.id, { mfaVerified: mfa === 'verified', ip: input.ip, userAgent: input.userAgent });
      await markSignedIn(sequelize, user.id, new Date());
      await audit(sequelize, actorOfUser(user, session.id), { action: 'auth.login', targetType: 'user', targetId: user.id, summary: { mfa } }, { ip: input.ip, requestId: input.requestId });
      return { user, session, mfa };
    },
  };
}
