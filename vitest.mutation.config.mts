import { defineConfig } from 'vitest/config';

// The fast tests only (unit and property), for StrykerJS: the integration suites start a whole pipeline in
// beforeAll, which Stryker cannot credit to one test, and would make a run last a day and a half.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/property/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    // A mutant counts as killed only by a run that can be repeated: property tests draw from one fixed seed here.
    setupFiles: ['./test/support/fixed-seed.ts'],
  },
});
