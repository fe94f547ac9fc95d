// The suite runs twice, once on embedded PGlite and once on the PostgreSQL server, with the same tests.
import { defineConfig } from 'vitest/config';

const shared = {
  globalSetup: ['test/support/global-setup.ts'],
  include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/e2e/**/*.test.ts'],
  // Generous: the browser tests and worker-driven tests share two cores with whatever else the machine runs.
  testTimeout: 180_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { test: { ...shared, name: 'pglite', env: { SIYU_TEST_DB: 'pglite' } } },
      { test: { ...shared, name: 'postgres', env: { SIYU_TEST_DB: 'postgres' } } },
    ],
  },
});
