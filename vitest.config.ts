import { defineConfig } from 'vitest/config';

/**
 * Tests that load both cores themselves (dozens of processes writing one file at once,
 * with default busy timeouts, refusing none): they run alone, as they were written to.
 */
const LOAD = [
  'tests/integration/concurrency.test.ts',
  'tests/integration/btmsg/concurrency.test.ts',
  'tests/integration/bttask/races.test.ts',
  'tests/integration/agor/mixed-load.test.ts',
  'tests/integration/selftest.test.ts',
];

export default defineConfig({
  test: {
    // Integration tests spawn real processes; keep them isolated and give them time.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { NO_COLOR: '1' },
    setupFiles: ['tests/helpers/umask.ts', 'tests/helpers/no-session-bus.ts'],
    // Run one after the other (groupOrder), so no two compete for the cores. vitest's
    // default of one worker less than the cores is one worker on a 2-core machine.
    projects: [
      {
        // In-process, no build needed: `npm run test:unit`.
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], maxWorkers: 2 },
      },
      {
        // The built binaries, one file per core: most of a file's time is waiting on processes.
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          exclude: LOAD,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: { name: 'load', include: LOAD, maxWorkers: 1, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
