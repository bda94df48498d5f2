import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Everything here is the fault suite: `pnpm test` and `pnpm test:faults` both run all of it.
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // One file at a time: the load figures and the fd/zombie/memory counts are not disturbed
    // by another file's processes competing for the same two cores.
    fileParallelism: false,
    // The default output, plus results/reliability.md written from what the tests recorded.
    reporters: ['default', './test/results-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
