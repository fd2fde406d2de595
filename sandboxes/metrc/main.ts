/**
 * `tsx sandboxes/metrc/main.ts`: the METRC sandbox with the demo data on
 * METRC_SANDBOX_PORT (default 4010). Faults from METRC_SANDBOX_FAULTS (JSON), GET limits from
 * METRC_SANDBOX_RATE_LIMITS (JSON, or "off").
 */
import { DEMO_FACILITIES, DEMO_USER_KEY, DEMO_VENDOR_KEY } from './demo-data.js';
import { faultsFromEnv } from './faults.js';
import { parseRateLimits } from './rate-limit.js';
import { createMetrcSandbox } from './server.js';

function rateLimitsFromEnv(raw: string | undefined) {
  if (!raw) return undefined;
  if (/^(off|false|0)$/i.test(raw)) return false as const;
  return parseRateLimits(JSON.parse(raw));
}

const port = Number(process.env.METRC_SANDBOX_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('METRC_SANDBOX_PORT must be a port number');
const host = process.env.METRC_SANDBOX_HOST ?? '127.0.0.1';

const sandbox = createMetrcSandbox({
  faults: faultsFromEnv(),
  rateLimits: rateLimitsFromEnv(process.env.METRC_SANDBOX_RATE_LIMITS),
});
const running = await sandbox.start(port, host);
console.log(`METRC sandbox listening on ${running.url}`);
console.log(`  vendor key ${DEMO_VENDOR_KEY}, user key ${DEMO_USER_KEY}`);
console.log(`  facilities: ${DEMO_FACILITIES.map((f) => `${f.licenseNumber} (${f.role})`).join(', ')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void running.close().then(() => process.exit(0));
  });
}
