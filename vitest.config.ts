import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A private TMPDIR for the whole suite (test/setup/private-tmpdir.ts): nothing litters /tmp.
    globalSetup: ['test/setup/private-tmpdir.ts'],
    // Integration tests spawn real servers; keep them bounded and let two run at once on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
