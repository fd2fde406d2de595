import type { DrillResult } from './lib/report.js';
import { databaseRestart } from './databaseRestart.js';
import { redisOutage } from './redisOutage.js';
import { temporalRestart } from './temporalRestart.js';
import { workerLoss } from './workerLoss.js';

/** In the order of priority. */
export const DRILLS = {
  'worker-loss': workerLoss,
  'database-restart': databaseRestart,
  'redis-outage': redisOutage,
  'temporal-restart': temporalRestart,
} satisfies Record<string, (short: boolean) => Promise<DrillResult>>;

export type DrillName = keyof typeof DRILLS;
