import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure code, nock, in-process sandboxes; no services) and `integration`
 * (real MariaDB/MySQL, Redis and a Temporal dev server prepared once per run by the global setup).
 */
export default defineConfig({
  test: {
    // The JSON report feeds .ci/run's plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/global.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
