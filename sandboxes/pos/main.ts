import { DEMO_BLAZE_CREDENTIALS, DEMO_DUTCHIE_CREDENTIALS } from './demo-credentials.js';
import { demoPosSandboxes } from './demo.js';

/**
 * Runs both POS sandboxes for local development: `tsx sandboxes/pos/main.ts`.
 * Ports come from DUTCHIE_SANDBOX_PORT / BLAZE_SANDBOX_PORT (the same variables platform/config.ts
 * reads); the catalogue size from POS_SANDBOX_ITEMS.
 */
function int(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name} must be an integer in [0, ${max}], got "${raw}"`);
  return n;
}
const port = (name: string, fallback: number) => int(name, fallback, 65535);

const items = int('POS_SANDBOX_ITEMS', 2000, 5_000_000);
// The demo's till trickle (sandboxes/pos/demo.ts) instead of made-up past sales: POS_SANDBOX_DEMO_SALES=0 turns it off.
const trickle = process.env.POS_SANDBOX_DEMO_SALES !== '0';
const saleEveryMs = (int('POS_SANDBOX_SALE_EVERY_SECONDS', 60, 86_400) || 60) * 1000;
const sandboxes = demoPosSandboxes({ items, saleEveryMs, trickle });
const dutchie = await sandboxes.dutchie.start(port('DUTCHIE_SANDBOX_PORT', 4011));
const blaze = await sandboxes.blaze.start(port('BLAZE_SANDBOX_PORT', 4012));

console.log(
  `Dutchie POS sandbox: ${dutchie.url}  (Basic ${DEMO_DUTCHIE_CREDENTIALS.locationKey}:${DEMO_DUTCHIE_CREDENTIALS.integratorKey})`,
);
console.log(
  `BLAZE sandbox:       ${blaze.url}/api/v1/partner  (partner_key ${DEMO_BLAZE_CREDENTIALS.partnerKey}, Authorization ${DEMO_BLAZE_CREDENTIALS.storeKey})`,
);

const shutdown = () => {
  void Promise.all([dutchie.close(), blaze.close()]).then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
