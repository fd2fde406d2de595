import type { DrillResult } from './lib/report.js';
import { databaseRestart } from './databaseRestart.js';
import { metrcChaos } from './metrcChaos.js';
import { redisOutage } from './redisOutage.js';
import { scaleOut } from './scaleOut.js';
import { temporalRestart } from './temporalRestart.js';
import { workerLoss } from './workerLoss.js';

/** In the order of priority. */
export const DRILLS = {
  'worker-loss': workerLoss,
  'database-restart': databaseRestart,
  'redis-outage': redisOutage,
  'temporal-restart': temporalRestart,
  'scale-out': scaleOut,
  'metrc-chaos': metrcChaos,
} satisfies Record<string, (short: boolean) => Promise<DrillResult>>;

export type DrillName = keyof typeof DRILLS;
