import { defineConfig } from 'vitest/config';

// Real models on a 2-core machine: generous per-test timeouts; files run in forks so native
// sessions and ffmpeg children cannot leak between files.
export default defineConfig({
  test: {
    include: ['core/src/**/*.test.ts', 'models/**/*.test.ts', 'test/**/*.test.ts', 'plugin-*/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'build/**'],
    pool: 'forks',
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
