import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Worker and SDK logs only for tests that fail.
    silent: 'passed-only',
    setupFiles: ['test/support/quiet-runtime.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/replay/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // Workflow logic with stub activities on one Temporal dev server (no database).
          name: 'workflow',
          include: ['test/workflow/**/*.test.ts'],
          globalSetup: ['test/support/workflow-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // Files share one stack (two MariaDB servers, one Temporal server) on a 2-core
          // machine: run them one after another so timings stay predictable.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
