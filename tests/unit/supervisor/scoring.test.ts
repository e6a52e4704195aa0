import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../src/supervisor/policy.js';
import { attentionScore, wakeScore } from '../../../src/supervisor/scoring.js';

describe('wake score', () => {
  it.each([
    [[], 0, null],
    [['periodic_floor'], 0.1, 'periodic_floor'],
    [['review_backlog', 'task_queue_pressure'], 0.7, 'task_queue_pressure'],
    [['periodic_floor', 'attention_spike', 'burn_rate_anomaly'], 1.0, 'attention_spike'],
    [['context_pressure_cluster'], 0.9, 'context_pressure_cluster'],
    [['burn_rate_anomaly', 'review_backlog'], 0.8, 'burn_rate_anomaly'],
  ] as const)('of %j is %s', (signals, score, signal) => {
    expect(wakeScore(signals)).toEqual({ score, signal });
  });
});

describe('attention score', () => {
  it.each([
    [{}, 0, null],
    [{ stalled: true, error: true }, 100, 'stalled'],
    [{ error: true, contextUsage: 0.95 }, 90, 'error'],
    [{ approvalsPending: 1, error: true }, 95, 'approval pending'],
    [{ approvalsPending: 2, stalled: true }, 100, 'stalled'],
    [{ approvalsPending: 3 }, 95, '3 approvals pending'],
    [{ contextUsage: 0.95 }, 80, 'context 95%'],
    [{ budgetSpent: 'daily budget spent (5.20/5.00 USD)', contextUsage: 0.95 }, 85, 'budget spent'],
    [{ budgetSpent: 'daily budget spent', error: true }, 90, 'error'],
    [{ fileConflict: true, contextUsage: 0.8 }, 70, 'file conflict'],
    [{ reviewQueue: 2 }, 20, '2 in review queue'],
    [{ reviewQueue: 9 }, 50, '9 in review queue'],
    [{ contextUsage: 0.8 }, 40, 'context 80%'],
    [{ contextUsage: 0.7 }, 0, null],
  ])('of %j is %s', (input, score, reason) => {
    expect(attentionScore(input)).toEqual({ score, reason });
  });
});

describe('restart backoff', () => {
  it('doubles from 1 s up to the 30 s cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
  it('stretches the whole curve for an overloaded service', () => {
    expect(backoffMs(1, 1000, 30_000, 4)).toBe(4000);
    expect(backoffMs(8, 1000, 30_000, 4)).toBe(120_000);
  });
});
