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
    // Two files at a time on two cores: a file spends much of its time waiting on PostgreSQL, Chromium or its own
    // server's workers, so a second one fills those gaps (the suite took 1.5× less in a measured sample).
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'pglite', env: { SIYU_TEST_DB: 'pglite' } } },
      // The browser tests drive the console and the H5, whose database calls are the API's: the API tests run on
      // both databases, so the browser tests run once, on the embedded one `npm start` uses (halving their time).
      {
        test: {
          ...shared,
          name: 'postgres',
          env: { SIYU_TEST_DB: 'postgres' },
          exclude: ['web/e2e/**', '**/node_modules/**'],
        },
      },
    ],
  },
});
