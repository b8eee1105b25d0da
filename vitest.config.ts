import { defineConfig } from 'vitest/config';

// Tests import each workspace package from its TypeScript source via the `loam-src` export condition,
// so `npm test` needs no build step for unit tests; end-to-end tests spawn the built CLI.
export default defineConfig({
  resolve: { conditions: ['loam-src', 'import', 'node', 'default'] },
  // Not 'import' here: Vitest passes these to Node as --conditions, and 'import' breaks pg's CommonJS require of pg-pool.
  ssr: { resolve: { conditions: ['loam-src', 'node', 'default'], externalConditions: ['loam-src'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // In CI a failed test runs once more: several end-to-end tests drive real processes and Chromium on a
    // shared 2-core machine, where timing varies. A real fault fails twice and is reported.
    retry: process.env.CI ? 1 : 0,
    // LOAM_TEST_FORCE_RETRY=1 fails each test's first attempt, to check that its retry can pass (see the file).
    setupFiles: process.env.LOAM_TEST_FORCE_RETRY === '1' ? ['packages/testkit/src/vitest/force-retry.test-support.ts'] : [],
    hookTimeout: 120_000,
    // The progress file is what scripts/test.mjs counts when it stops a run that outlived its time budget.
    reporters: ['default', 'json', './scripts/progress-reporter.mjs'],
    outputFile: { json: '.vitest-results.json' },
  },
});
