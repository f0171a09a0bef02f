import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: only the console tests that drive chromium (they are part of `npm test` too). */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
