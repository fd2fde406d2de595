import { hostname } from 'node:os';
import type { ActivityDeps } from './deps.js';

export interface ProbeResult {
  worker: string;
  databaseTime: string;
  redis: string;
}

export function createSystemActivities({ sequelize, redis }: ActivityDeps) {
  return {
    /** Touches every backing service from inside a worker: proof the worker is wired for real. */
    async probeDependencies(): Promise<ProbeResult> {
      const [rows] = await sequelize.query('SELECT UTC_TIMESTAMP(3) AS now');
      const now = (rows as Array<{ now: Date | string }>)[0]?.now;
      return {
        worker: `${hostname()}:${process.pid}`,
        databaseTime: new Date(now ?? 0).toISOString(),
        redis: await redis.ping(),
      };
    },
  };
}
