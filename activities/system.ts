import { hostname } from 'node:os';
import type { ActivityDeps } from './deps.js';
import { databaseNow } from '../db/repositories/health.js';

export interface ProbeResult {
  worker: string;
  databaseTime: string;
  redis: string;
}

export function createSystemActivities({ sequelize, redis }: ActivityDeps) {
  return {
    /** Touches every backing service from inside a worker: proof the worker is wired for real. */
    async probeDependencies(): Promise<ProbeResult> {
      const now = await databaseNow(sequelize);
      return {
        worker: `${hostname()}:${process.pid}`,
        databaseTime: now.toISOString(),
        redis: await redis.ping(),
      };
    },
  };
}
