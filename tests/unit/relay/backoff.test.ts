import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, backoffDelay } from '../../../src/relay/client.js';

describe('the reconnect backoff', () => {
  it.each([
    [0, 1000],
    [1, 2000],
    [2, 4000],
    [3, 8000],
    [4, 16000],
    [5, 30000],
    [40, 30000],
  ])('waits %i failures in: %i ms, 20 %% either way at most', (n, base) => {
    expect(backoffDelay(n, () => 0)).toBe(0.8 * base);
    expect(backoffDelay(n, () => 0.5)).toBe(base);
    expect(backoffDelay(n, () => 0.999999)).toBeLessThanOrEqual(1.2 * base);
  });

  it('never waits longer than 36 s, whatever the jitter', () => {
    for (let n = 0; n < 100; n++) expect(backoffDelay(n)).toBeLessThanOrEqual(BACKOFF_MAX_MS * 1.2);
  });
});
