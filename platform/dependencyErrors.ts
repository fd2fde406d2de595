import { ConnectionError } from 'sequelize';

/**
 * Whether an error means a dependency is unreachable right now (the database or Redis restarting,
 * a dropped connection), as opposed to a bug or a bad request. The API answers these with 503
 * (retry shortly) instead of 500; workers wait them out inside the activity (worker/dependencyWait.ts).
 */
export type DownDependency = 'database' | 'redis';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);
// 1053 server shutdown in progress, 1927 connection killed, 2002/2003 can't connect, 2006 gone away, 2013 lost during query, 4031 disconnected by the server.
const SERVER_GONE_ERRNOS = new Set([1053, 1927, 2002, 2003, 2006, 2013, 4031]);
const CLOSED_CONNECTION = /connection is in closed state|connection lost|server has gone away|lost connection to (mysql|mariadb) server/i;
// ioredis without an offline queue fails commands at once while it reconnects.
const REDIS_DOWN = /enableOfflineQueue|Connection is closed|max retries per request|redis connection closed/i;

interface Shaped {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  original?: unknown;
  parent?: unknown;
  cause?: unknown;
}

export function dependencyDown(err: unknown): DownDependency | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length) {
    const e = stack.pop();
    if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 8) continue;
    seen.add(e);
    if (e instanceof ConnectionError) return 'database';
    const s = e as Shaped;
    const message = typeof s.message === 'string' ? s.message : '';
    if (s.name === 'MaxRetriesPerRequestError' || REDIS_DOWN.test(message)) return 'redis';
    if (typeof s.errno === 'number' && SERVER_GONE_ERRNOS.has(s.errno) && ('sqlMessage' in s || s.fatal === true)) return 'database';
    if (CLOSED_CONNECTION.test(message)) return 'database';
    // mysql2 marks a broken connection fatal (an HTTP client's ECONNREFUSED is not the database's).
    if (s.fatal === true && typeof s.code === 'string' && NETWORK_CODES.has(s.code)) return 'database';
    stack.push(s.original, s.parent, s.cause);
  }
  return undefined;
}
