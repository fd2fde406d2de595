import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptUserKey, encryptUserKey } from '../../../db/repositories/metrcCredentials.js';
import { ConfigError, loadConfig } from '../../../platform/config.js';
import { decryptSecret, encryptSecret, keyedHash, keyedHashes, keyIdOf, sealedKeyId, sealedUnderCurrent, SealedKeyError } from '../../../platform/crypto.js';

const OLD = 'old-secret-'.padEnd(40, 'o');
const NEW = 'new-secret-'.padEnd(40, 'n');
const WRONG = 'wrong-secret-'.padEnd(40, 'w');

describe('APP_SECRET keyring', () => {
  it('seals under the current key and names it; opens with it as a previous key after rotation', () => {
    const sealed = encryptSecret(OLD, 'p', 'plain');
    expect(sealedKeyId(sealed)).toBe(keyIdOf(OLD));
    expect(decryptSecret({ current: NEW, previous: [OLD] }, 'p', sealed)).toBe('plain');
    expect(sealedUnderCurrent({ current: NEW, previous: [OLD] }, sealed)).toBe(false);
    const again = encryptSecret({ current: NEW, previous: [OLD] }, 'p', 'plain');
    expect(sealedKeyId(again)).toBe(keyIdOf(NEW));
    expect(decryptSecret(NEW, 'p', again)).toBe('plain');
  });

  it('fails closed, naming the key and the variable, when no configured key matches', () => {
    const sealed = encryptSecret(OLD, 'p', 'plain-text-value');
    const attempt = () => decryptSecret({ current: NEW, previous: [WRONG] }, 'p', sealed);
    expect(attempt).toThrow(SealedKeyError);
    expect(attempt).toThrow(new RegExp(`sealed under key ${keyIdOf(OLD)}.*APP_SECRET_PREVIOUS`));
    try {
      attempt();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('plain-text-value');
      expect(String((err as Error).message)).not.toContain(OLD);
    }
  });

  it('opens values sealed before key ids (v1) under any key of the ring, and refuses them under none', () => {
    // The v1 format as platform/crypto.ts wrote it before the keyring, for the METRC key derivation.
    const keyFrom = (s: string) => createHash('sha256').update(`trellis:metrc-user-key:${s}`).digest();
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', keyFrom(OLD), iv);
    c.setAAD(Buffer.from('LIC-1'));
    const ct = Buffer.concat([c.update('user-key'), c.final()]);
    const v1 = ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    expect(decryptUserKey({ current: NEW, previous: [OLD] }, 'LIC-1', v1)).toBe('user-key');
    expect(() => decryptUserKey({ current: NEW, previous: [WRONG] }, 'LIC-1', v1)).toThrow(/v1.*none of APP_SECRET and APP_SECRET_PREVIOUS/);
    // bound to its licence: another licence's row fails even with the right key
    const sealed = encryptUserKey(NEW, 'LIC-1', 'user-key');
    expect(() => decryptUserKey(NEW, 'LIC-2', sealed)).toThrow(/integrity/);
  });

  it('keyed hashes: current first, then every previous key', () => {
    const ring = { current: NEW, previous: [OLD] };
    expect(keyedHashes(ring, 'api-key', 'x')).toEqual([keyedHash(NEW, 'api-key', 'x'), keyedHash(OLD, 'api-key', 'x')]);
    expect(keyedHash(ring, 'api-key', 'x')).toBe(keyedHash(NEW, 'api-key', 'x'));
  });

  it('APP_SECRET_PREVIOUS is a comma list that may not repeat the current secret', () => {
    const c = loadConfig({ APP_SECRET: NEW, APP_SECRET_PREVIOUS: ` ${OLD} , ${WRONG},${OLD}` });
    expect(c.appSecretPrevious).toEqual([OLD, WRONG]);
    expect(loadConfig({ APP_SECRET: NEW }).appSecretPrevious).toEqual([]);
    expect(() => loadConfig({ APP_SECRET: NEW, APP_SECRET_PREVIOUS: NEW })).toThrow(ConfigError);
    try {
      loadConfig({ APP_SECRET: NEW, APP_SECRET_PREVIOUS: NEW });
    } catch (err) {
      expect((err as Error).message).not.toContain(NEW);
    }
  });
});
