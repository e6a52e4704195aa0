import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Integration tests spawn real processes; keep them isolated and give them time.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { NO_COLOR: '1' },
    setupFiles: ['tests/helpers/umask.ts'],
  },
});
