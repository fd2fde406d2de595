/**
 * Builds METRC clients for activities: base URL and vendor key from config, the user key of
 * the acting license (stored encrypted) or the configured default, and every request paced
 * through the shared Redis token buckets via an axios interceptor, so paging, GET retries and
 * writes all count.
 */
import { ApplicationFailure } from '@temporalio/common';
import axios from 'axios';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { MetrcClient } from '../integrations/metrc/index.js';
import { loadUserKey } from '../db/repositories/metrcCredentials.js';
import { keyringOf } from '../platform/crypto.js';
import type { Config } from '../platform/config.js';
import { MetrcRateLimiter } from './metrcRateLimit.js';

const KEY_TTL_MS = 60_000;
/** The failure type when a license has no METRC user key at all (none stored, no default). */
export const NO_KEY_FAILURE_TYPE = 'MetrcNoKey';
export const isNoKeyFailure = (e: unknown): boolean => e instanceof ApplicationFailure && e.type === NO_KEY_FAILURE_TYPE;

export interface MetrcClientFactory {
  forLicense(licenseNumber: string): Promise<MetrcClient>;
  limiter: MetrcRateLimiter;
}

export function createMetrcClientFactory(deps: { config: Config; redis: Redis; sequelize: Sequelize }): MetrcClientFactory {
  const { config } = deps;
  const limiter = new MetrcRateLimiter(deps.redis, config.metrc.vendorKey, {
    perFacilityPerSecond: config.metrc.ratePerFacilityPerSecond,
    perVendorKeyPerSecond: config.metrc.ratePerVendorKeyPerSecond,
  });
  const http = axios.create();
  http.interceptors.request.use(async (req) => {
    const license = (req.params as Record<string, unknown> | undefined)?.licenseNumber;
    await limiter.acquire(typeof license === 'string' ? license : undefined);
    return req;
  });
  const clients = new Map<string, MetrcClient>();
  const clientFor = (userKey: string) => {
    let c = clients.get(userKey);
    if (!c) {
      c = new MetrcClient(
        { baseUrl: config.metrcBaseUrl, vendorKey: config.metrc.vendorKey, userKey, timeoutMs: config.metrc.timeoutMs },
        http,
      );
      clients.set(userKey, c);
    }
    return c;
  };
  // Every METRC call asks for its license's client; the stored key is read (and decrypted) once
  // a minute per license rather than once per call. A key stored for a license is in use within
  // KEY_TTL_MS.
  const keys = new Map<string, { key: string | null; until: number }>();
  const storedKey = async (licenseNumber: string): Promise<string | null> => {
    const hit = keys.get(licenseNumber);
    if (hit && hit.until > Date.now()) return hit.key;
    const key = (await loadUserKey(deps.sequelize, keyringOf(config), licenseNumber)) ?? null;
    // A missing key is not remembered: its submissions wait parked until one is stored, and the
    // probe that finds it should not wait out a cache entry saying there is none.
    if (key !== null) keys.set(licenseNumber, { key, until: Date.now() + KEY_TTL_MS });
    return key;
  };
  return {
    limiter,
    async forLicense(licenseNumber) {
      const own = await storedKey(licenseNumber);
      const userKey = own ?? config.metrc.userKey;
      if (!config.metrc.vendorKey || !userKey) {
        throw ApplicationFailure.create({
          type: NO_KEY_FAILURE_TYPE,
          nonRetryable: true,
          message: `No METRC keys configured for ${licenseNumber} (set METRC_VENDOR_KEY and METRC_USER_KEY or store a user key for the license)`,
        });
      }
      return clientFor(userKey);
    },
  };
}
