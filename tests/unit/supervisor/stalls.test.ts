import { describe, expect, it } from 'vitest';
import { nextActivity, quietFor } from '../../../src/supervisor/stalls.js';

const MIN = 60_000;

describe('stall detection', () => {
  it('counts silence from the latest of output, heartbeat and start', () => {
    expect(quietFor(100_000, { lastOutputAt: 10_000, heartbeatAt: 0, startedAt: 0 })).toBe(90_000);
    expect(quietFor(100_000, { lastOutputAt: 10_000, heartbeatAt: 70_000, startedAt: 0 })).toBe(30_000);
    expect(quietFor(100_000, { lastOutputAt: 0, heartbeatAt: 0, startedAt: 95_000 })).toBe(5000);
  });

  it.each([
    // current, silent for, stall_after, being stopped, next
    ['running', 0, 15 * MIN, false, null],
    ['running', 59_999, 15 * MIN, false, null],
    ['running', MIN, 15 * MIN, false, 'idle'],
    ['idle', 10 * MIN, 15 * MIN, false, null],
    ['idle', 15 * MIN, 15 * MIN, false, 'stalled'],
    ['running', 15 * MIN, 15 * MIN, false, 'stalled'],
    ['idle', 1000, 15 * MIN, false, 'running'],
    ['stalled', 20 * MIN, 15 * MIN, false, null],
    ['stalled', 1000, 15 * MIN, false, 'running'],
    ['stalled', 10 * MIN, 15 * MIN, false, 'running'],
    // A run being stopped is not declared stalled; it may still go idle.
    ['idle', 20 * MIN, 15 * MIN, true, null],
    ['running', 20 * MIN, 15 * MIN, true, 'idle'],
    // A short stall_after: idle after half of it.
    ['running', 4999, 10_000, false, null],
    ['running', 5000, 10_000, false, 'idle'],
    ['idle', 10_000, 10_000, false, 'stalled'],
  ] as const)('a %s run silent for %i ms (stall_after %i, stopping %s) moves to %s', (cur, quiet, stallAfter, stopping, want) => {
    expect(nextActivity(cur, quiet, stallAfter, stopping)).toBe(want);
  });
});
