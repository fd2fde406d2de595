/**
 * A licence's METRC user key: stored encrypted (db/repositories/metrcCredentials.ts, the licence bound into
 * the ciphertext), never answered; people see its last four characters, a fingerprint (to tell
 * two keys apart without showing either), when it was last used and how its last test went.
 *
 * "Test connection" asks METRC for the facilities the key may act for (GET /facilities/v2/, the
 * one call that needs no licence) and records what came back: a key METRC refuses is stored as
 * failing, with METRC's message, and so is a key that works but does not grant this licence.
 *
 * Who: platform staff for any licence on record; an entity's owner for the licences of their
 * entity and its premises (any other licence answers 404, as other tenants' objects do).
 */
import type { Sequelize } from 'sequelize';
import { tenantOf, type Actor, type Origin } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import * as db from '../../db/repositories/metrcCredentials.js';
import { MetrcClient, MetrcError } from '../../integrations/metrc/index.js';
import type { Config } from '../../platform/config.js';
import { keyedHash, keyringOf } from '../../platform/crypto.js';
import { audit } from './audit.js';

export interface MetrcCredentialDeps {
  sequelize: Sequelize;
  config: Config;
}

// A person waits for the answer: no long METRC timeout, no in-process retries.
const TEST_TIMEOUT_MS = 15_000;

const fingerprintOf = (appSecret: string, key: string) => keyedHash(appSecret, 'metrc-user-key-fingerprint', key).slice(0, 16);

/** A licence and its stored key's record (undefined: no key stored); presented by api/presenters/metrcCredentials.ts. */
export interface LicenceCredential {
  licenseNumber: string;
  status: db.CredentialStatus | undefined;
}

export function createMetrcCredentialService(deps: MetrcCredentialDeps) {
  const { sequelize, config } = deps;

  /** 404 unless the licence is on record and (for an owner) theirs. */
  async function assertMayManage(actor: Actor, licenseNumber: string): Promise<void> {
    const holders = await db.holdersOfLicense(sequelize, licenseNumber);
    const tenant = tenantOf(actor);
    if (!holders.length || (tenant && !holders.includes(tenant))) throw notFound('Licence', licenseNumber);
  }

  async function statusOf(licenseNumber: string): Promise<LicenceCredential> {
    const [status] = await db.credentialStatuses(sequelize, [licenseNumber]);
    return { licenseNumber, status };
  }

  return {
    /** Every licence the caller may manage (owners: their entity's; staff: one entity's, by entity_id). */
    async list(actor: Actor, params: { entity_id?: string }) {
      const tenant = tenantOf(actor);
      const entityId = tenant ?? params.entity_id;
      if (!entityId) throw new AppError('VALIDATION_ERROR', 'entity_id is required for platform staff', { field: 'entity_id', issue: 'required' });
      if (tenant && params.entity_id && params.entity_id !== tenant) throw notFound('Entity', params.entity_id);
      const licenses = await db.licensesOfEntity(sequelize, entityId);
      const statuses = new Map((await db.credentialStatuses(sequelize, licenses)).map((s) => [s.license_number, s]));
      return { data: licenses.map((l): LicenceCredential => ({ licenseNumber: l, status: statuses.get(l) })) };
    },

    async get(actor: Actor, licenseNumber: string) {
      await assertMayManage(actor, licenseNumber);
      return statusOf(licenseNumber);
    },

    async store(actor: Actor, licenseNumber: string, userKey: string, origin: Origin = {}) {
      await assertMayManage(actor, licenseNumber);
      const key = userKey.trim();
      if (key.length < 8) throw new AppError('VALIDATION_ERROR', 'user_key looks too short to be a METRC user key', { field: 'user_key' });
      const fingerprint = fingerprintOf(config.appSecret, key);
      await db.storeUserKey(sequelize, config.appSecret, licenseNumber, key, { last4: key.slice(-4), fingerprint, updatedBy: actor.label ?? actor.id });
      await audit(sequelize, actor, { action: 'metrc_credential.stored', targetType: 'metrc_credential', targetId: licenseNumber, summary: { license_number: licenseNumber, fingerprint } }, origin);
      return statusOf(licenseNumber);
    },

    async remove(actor: Actor, licenseNumber: string, origin: Origin = {}) {
      await assertMayManage(actor, licenseNumber);
      if (!(await db.deleteUserKey(sequelize, licenseNumber))) throw notFound('METRC credential', licenseNumber);
      await audit(sequelize, actor, { action: 'metrc_credential.deleted', targetType: 'metrc_credential', targetId: licenseNumber, summary: { license_number: licenseNumber } }, origin);
    },

    async test(actor: Actor, licenseNumber: string, origin: Origin = {}) {
      await assertMayManage(actor, licenseNumber);
      const userKey = await db.loadUserKey(sequelize, keyringOf(config), licenseNumber);
      if (!userKey) throw new AppError('CONFLICT', 'No METRC user key is stored for this licence; store one first', { license_number: licenseNumber });
      const testedAt = new Date();
      let ok = false;
      let message: string;
      let metrcStatus: number | null = null;
      let facilities: Array<{ license_number: string; name: string }> = [];
      if (!config.metrc.vendorKey) {
        message = 'METRC_VENDOR_KEY is not configured on this hub; nothing was sent to METRC';
      } else {
        try {
          const client = new MetrcClient({ baseUrl: config.metrcBaseUrl, vendorKey: config.metrc.vendorKey, userKey, timeoutMs: Math.min(config.metrc.timeoutMs, TEST_TIMEOUT_MS), getRetries: 0 });
          facilities = (await client.getFacilities()).map((f) => ({ license_number: f.License?.Number ?? '', name: f.Name ?? '' }));
          metrcStatus = 200;
          ok = facilities.some((f) => f.license_number === licenseNumber);
          message = ok
            ? `METRC accepted the key; it may act for ${facilities.length} facilit${facilities.length === 1 ? 'y' : 'ies'} including ${licenseNumber}`
            : `METRC accepted the key, but it does not grant licence ${licenseNumber} (it grants: ${facilities.map((f) => f.license_number).join(', ') || 'none'})`;
        } catch (e) {
          // METRC's own words (or what stood in for them: timeout, outage page), never the key.
          message = e instanceof MetrcError ? e.message : `METRC could not be reached: ${(e as Error).message}`;
          metrcStatus = e instanceof MetrcError ? (e.status ?? null) : null;
        }
      }
      await db.recordKeyTest(sequelize, licenseNumber, ok, ok ? null : message, testedAt);
      await audit(sequelize, actor, { action: 'metrc_credential.tested', targetType: 'metrc_credential', targetId: licenseNumber, summary: { license_number: licenseNumber, ok, metrc_status: metrcStatus } }, origin);
      return { ok, message, metrc_status: metrcStatus, tested_at: testedAt.toISOString(), facilities, credential: await statusOf(licenseNumber) };
    },
  };
}
