import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'conformance/**/*.test.ts'],
    globalSetup: ['test/build.setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Vitest's default leaves one core idle (one worker on a two-core machine); the test files are
    // independent processes of mostly single-threaded work, so every core takes one.
    maxWorkers: availableParallelism(),
  },
});
