import type { Sequelize } from 'sequelize';
import type { Logger } from 'pino';
import type { Config } from '../platform/config.js';
import { processMaxConnections, type ProcessKind } from '../platform/poolBudget.js';

/**
 * The start-up line an operator adds up when sizing a deployment (README "Connection budget"):
 * this process's maximum connections, and the server's max_connections to compare against.
 * Asking the server is best effort: a database not up yet must not stop the process here.
 */
export function logConnectionBudget(log: Logger, cfg: Config, kind: ProcessKind, sequelize: Sequelize): void {
  const max = processMaxConnections(cfg.pools, kind);
  const pools = { sequelize: cfg.pools[kind], writer: cfg.pools.writer };
  sequelize
    .query('SELECT @@max_connections AS m', { plain: true })
    .then(
      (row) => Number((row as { m?: unknown } | null)?.m) || undefined,
      () => undefined,
    )
    .then((serverMax) =>
      log.info(
        { maxConnections: max, pools, serverMaxConnections: serverMax },
        `this ${kind} process opens at most ${max} database connections (${pools.sequelize} + ${pools.writer} writer)` +
          (serverMax ? `; the server allows ${serverMax} in all` : ''),
      ),
    );
}
