/**
 * TOTP second factor (RFC 6238, via otplib) with single-use recovery codes. Secrets are sealed
 * with AES-GCM under a key derived from APP_SECRET; recovery codes are stored as keyed hashes.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { authenticator } from 'otplib';
import QRCode from 'qrcode';
import type { Sequelize } from 'sequelize';
import type { Actor, Origin } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { Config } from '../../platform/config.js';
import { keyedHash, keyedHashes, keyringOf, openMfaSecret, sealMfaSecret } from '../../platform/crypto.js';
import { createThrottle } from './throttle.js';
import { audit } from './audit.js';
import * as identity from '../../db/repositories/identity.js';

const ISSUER = 'Trellis';
const RECOVERY_CODES = 10;
const MFA_MAX_FAILURES = 5;
// One step either side absorbs phone clock drift.
const totp = authenticator.clone({ window: 1 });

export interface MfaDeps {
  sequelize: Sequelize;
  redis: Redis;
  config: Config;
}

export { sealMfaSecret };

/** Formats as xxxxx-xxxxx from base32-ish letters without look-alikes. */
function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

const normaliseRecovery = (code: string) => code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');

export const recoveryCodeHash = (appSecret: string, code: string) => keyedHash(appSecret, 'recovery-code', normaliseRecovery(code));

/** Writes a fresh set of recovery codes (replacing any old set) and returns them in clear once. */
export async function issueRecoveryCodes(sequelize: Sequelize, appSecret: string, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await identity.replaceRecoveryCodes(sequelize, userId, codes.map((c) => recoveryCodeHash(appSecret, c)));
  return codes;
}

export function createMfaService(deps: MfaDeps) {
  const { sequelize, redis, config } = deps;
  const throttle = createThrottle(redis, config.auth.loginLockoutSeconds);
  const subject = (userId: string) => [{ id: `mfa:${userId}`, maxFailures: MFA_MAX_FAILURES }];

  async function loadUser(userId: string) {
    const row = await identity.mfaStateOfUser(sequelize, userId);
    if (!row) throw new AppError('UNAUTHORIZED', 'Authentication required');
    return row;
  }

  /** True when `code` is a current TOTP for `secret` not used before (replays are refused). */
  async function checkTotp(userId: string, secret: string, code: string): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const delta = totp.checkDelta(code, secret);
    if (delta === null) return false;
    const step = Math.floor(Date.now() / 30_000) + delta;
    const fresh = await redis.set(`trellis:auth:totp-used:${userId}:${step}`, '1', 'EX', 180, 'NX');
    return fresh === 'OK';
  }

  async function guarded(userId: string, check: () => Promise<boolean>): Promise<void> {
    // Reserved before the check, so parallel guesses get no more checks than the limit.
    await throttle.reserve(subject(userId));
    let ok: boolean;
    try {
      ok = await check();
    } catch (err) {
      await throttle.released(subject(userId));
      throw err;
    }
    if (ok) {
      await throttle.succeeded(subject(userId));
      return;
    }
    const { retryAfter } = await throttle.failed(subject(userId));
    if (retryAfter) throw throttle.lockedError(retryAfter);
    throw new AppError('UNAUTHORIZED', 'Invalid code', { field: 'code' });
  }

  /** A current TOTP of the enrolled secret, or an unused recovery code (used up on success). */
  async function checkEnrolledFactor(userId: string, secretEnc: string | null, code: string): Promise<{ usedRecovery: boolean }> {
    const secret = secretEnc ? openMfaSecret(keyringOf(config), secretEnc) : undefined;
    let usedRecovery = false;
    await guarded(userId, async () => {
      if (secret && (await checkTotp(userId, secret, code.trim()))) return true;
      // Codes issued before an APP_SECRET rotation were hashed under the previous key.
      usedRecovery = await identity.useRecoveryCode(sequelize, userId, keyedHashes(keyringOf(config), 'recovery-code', normaliseRecovery(code)), new Date());
      return usedRecovery;
    });
    return { usedRecovery };
  }

  return {
    /**
     * Starts (or restarts) enrolment: a new secret waits in the pending column until confirmed.
     * Replacing an enrolled factor needs that factor (or a recovery code): a stolen session alone
     * must not be able to move the second factor to the thief's phone.
     */
    async enroll(actor: Actor, currentCode?: string, origin: Origin = {}) {
      const user = await loadUser(actor.id);
      // Keyed on the flag, not the secret: a half-written row must not open re-enrolment.
      if (Number(user.mfa_enabled)) {
        if (!currentCode) {
          // 422, not 403: the caller may re-enrol, it has to prove the factor it replaces.
          throw new AppError('UNPROCESSABLE_ENTITY', 'A second factor is already enrolled; send current_code (a current code or a recovery code) to replace it', {
            field: 'current_code',
            issue: 'required',
          });
        }
        const { usedRecovery } = await checkEnrolledFactor(actor.id, (user.mfa_secret_enc as string | null) ?? null, currentCode);
        await audit(sequelize, actor, { action: 'user.mfa_reenrollment_authorised', targetType: 'user', targetId: actor.id, summary: { method: usedRecovery ? 'recovery_code' : 'totp' } }, origin);
      }
      const secret = totp.generateSecret(20);
      await identity.setPendingMfaSecret(sequelize, actor.id, sealMfaSecret(config.appSecret, secret));
      const otpauthUri = totp.keyuri(String(user.email), ISSUER, secret);
      await audit(sequelize, actor, { action: 'user.mfa_enrollment_started', targetType: 'user', targetId: actor.id }, origin);
      return { otpauth_uri: otpauthUri, qr_data_url: await QRCode.toDataURL(otpauthUri), secret };
    },

    /** Proves the pending secret works; activates it and hands out recovery codes once. */
    async confirm(actor: Actor, code: string, origin: Origin = {}) {
      const user = await loadUser(actor.id);
      if (!user.mfa_pending_secret_enc) throw new AppError('CONFLICT', 'Start enrolment first (POST /auth/mfa/enroll)');
      const secret = openMfaSecret(keyringOf(config), String(user.mfa_pending_secret_enc));
      await guarded(actor.id, () => checkTotp(actor.id, secret, code.trim()));
      await identity.activatePendingMfaSecret(sequelize, actor.id);
      const codes = await issueRecoveryCodes(sequelize, config.appSecret, actor.id);
      if (actor.sessionId) await identity.markSessionMfaVerified(sequelize, actor.sessionId);
      await audit(sequelize, actor, { action: 'user.mfa_enabled', targetType: 'user', targetId: actor.id }, origin);
      return { recovery_codes: codes };
    },

    /** Second step of sign-in: a TOTP or one unused recovery code. */
    async verify(actor: Actor, code: string, origin: Origin = {}) {
      const user = await loadUser(actor.id);
      if (!Number(user.mfa_enabled) || !user.mfa_secret_enc) throw new AppError('CONFLICT', 'No second factor is enrolled; enrol one first');
      const { usedRecovery } = await checkEnrolledFactor(actor.id, String(user.mfa_secret_enc), code);
      if (actor.sessionId) await identity.markSessionMfaVerified(sequelize, actor.sessionId);
      await audit(sequelize, actor, { action: 'auth.mfa_verified', targetType: 'user', targetId: actor.id, summary: { method: usedRecovery ? 'recovery_code' : 'totp' } }, origin);
      return { usedRecovery };
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
