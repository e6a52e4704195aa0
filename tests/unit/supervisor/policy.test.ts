import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../../src/supervisor/config.js';
import { type AfterRunInput, type RunEnd, afterRun, backoffMs, runOutcome } from '../../../src/supervisor/policy.js';

const RESTART: AgentConfig['restart'] = { maxRetries: 5, backoffMs: 1000, backoffCapMs: 30_000, stableAfterMs: 300_000 };

/** A run of a service that failed after 10 s, with nothing else going on. */
const ended = (o: Partial<AfterRunInput> = {}): AfterRunInput => ({
  mode: 'service',
  restart: RESTART,
  onStall: 'restart',
  stopping: null,
  shuttingDown: false,
  enabled: true,
  outcome: 'failed',
  errorClass: 'unknown',
  statusLost: false,
  attempts: 0,
  startedAt: 0,
  now: 10_000,
  ...o,
});

describe('the restart backoff', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
    [6, 30_000],
    [12, 30_000],
  ])('waits before attempt %i: %i ms (1, 2, 4, 8, 16 s, capped at 30 s)', (attempt, ms) => {
    expect(backoffMs(attempt, 1000, 30_000)).toBe(ms);
  });

  it('waits four times longer, cap included, when stretched by 4', () => {
    expect([1, 2, 6].map((n) => backoffMs(n, 1000, 30_000, 4))).toEqual([4000, 8000, 120_000]);
  });
});

describe('what follows a service run', () => {
  it('restarts a failed service with backoff 1, 2, 4, 8, 16 s, and after the fifth failed attempt it is failed', () => {
    let attempts = 0;
    const delays: number[] = [];
    for (;;) {
      const next = afterRun(ended({ attempts }));
      if (next.kind !== 'retry') {
        expect(next).toEqual({ kind: 'failed', reason: '5 restarts failed', attempts: 6 });
        break;
      }
      delays.push(next.delayMs);
      attempts = next.attempts;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('restarts a service that exited cleanly too, counted as an attempt', () => {
    expect(afterRun(ended({ outcome: 'success', errorClass: null, attempts: 2 }))).toEqual({ kind: 'retry', delayMs: 4000, attempts: 3 });
  });

  it('starts the count again after a run that was stable for stable_after', () => {
    expect(afterRun(ended({ attempts: 4, startedAt: 0, now: 300_000 }))).toEqual({ kind: 'retry', delayMs: 1000, attempts: 1 });
    expect(afterRun(ended({ attempts: 4, startedAt: 0, now: 299_999 }))).toEqual({ kind: 'retry', delayMs: 16_000, attempts: 5 });
  });

  it.each(['auth', 'quota', 'secrets'] as const)('does not retry a %s failure: the agent is failed at once', (errorClass) => {
    expect(afterRun(ended({ errorClass, attempts: 1 }))).toEqual({ kind: 'failed', reason: `${errorClass} failure: not retried`, attempts: 1 });
  });

  it.each(['rate_limit', 'network', 'unknown'] as const)('retries a %s failure with the plain backoff', (errorClass) => {
    expect(afterRun(ended({ errorClass, attempts: 1 }))).toEqual({ kind: 'retry', delayMs: 2000, attempts: 2 });
  });

  it('backs off four times longer after an overloaded failure', () => {
    expect(afterRun(ended({ errorClass: 'overloaded' }))).toEqual({ kind: 'retry', delayMs: 4000, attempts: 1 });
    expect(afterRun(ended({ errorClass: 'overloaded', attempts: 4 }))).toEqual({ kind: 'retry', delayMs: 64_000, attempts: 5 });
  });

  it('fails an agent whose stalled run was killed under on_stall: kill, and restarts it under on_stall: restart', () => {
    expect(afterRun(ended({ stopping: 'stalled', onStall: 'kill', attempts: 2 }))).toEqual({
      kind: 'failed',
      reason: 'killed after a stall (on_stall: kill)',
      attempts: 2,
    });
    expect(afterRun(ended({ stopping: 'stalled', onStall: 'restart' })).kind).toBe('retry');
  });
});

describe('what follows a run the operator or the supervisor ended', () => {
  it.each([
    [{ stopping: 'down' as const }, 'down'],
    [{ stopping: 'removed' as const }, 'down'],
    [{ shuttingDown: true }, 'down'],
    [{ stopping: 'stop' as const }, 'stopped'],
    [{ enabled: false }, 'stopped'],
    [{ stopping: 'restart' as const }, 'restart'],
    [{ stopping: 'budget' as const }, 'held'],
  ])('after %o: %s', (o, kind) => {
    expect(afterRun(ended({ outcome: 'cancelled', errorClass: null, ...o })).kind).toBe(kind);
    expect(afterRun(ended({ mode: 'on-demand', outcome: 'cancelled', errorClass: null, ...o })).kind).toBe(kind);
  });
});

describe('what follows an on-demand run', () => {
  const demand = (o: Partial<AfterRunInput> = {}) => ended({ mode: 'on-demand', ...o });

  it('rests after a run that did not fail, its count cleared', () => {
    for (const outcome of ['success', 'partial', 'blocked', 'timeout', 'cancelled'] as const) {
      expect(afterRun(demand({ outcome, errorClass: null, attempts: 3 }))).toEqual({ kind: 'rest', attempts: 0 });
    }
  });

  it('retries a failed run with backoff, and after five failed retries it is failed', () => {
    expect(afterRun(demand({ attempts: 0 }))).toEqual({ kind: 'retry', delayMs: 1000, attempts: 1 });
    expect(afterRun(demand({ attempts: 4 }))).toEqual({ kind: 'retry', delayMs: 16_000, attempts: 5 });
    expect(afterRun(demand({ attempts: 5 }))).toEqual({ kind: 'failed', reason: '5 retries failed', attempts: 6 });
  });

  it('never resets the count for stability: only a run that did not fail does', () => {
    expect(afterRun(demand({ attempts: 3, now: 10 * 300_000 }))).toEqual({ kind: 'retry', delayMs: 8000, attempts: 4 });
  });

  it('does not retry auth, quota or secrets failures, and rests after a run whose exit status was lost', () => {
    expect(afterRun(demand({ errorClass: 'quota' }))).toEqual({ kind: 'failed', reason: 'quota failure: not retried', attempts: 0 });
    expect(afterRun(demand({ errorClass: 'secrets' }))).toEqual({ kind: 'failed', reason: 'secrets failure: not retried', attempts: 0 });
    expect(afterRun(demand({ statusLost: true, attempts: 2 }))).toEqual({ kind: 'rest', attempts: 0 });
  });
});

describe('the outcome of a run', () => {
  const end = (o: Partial<RunEnd> = {}): RunEnd => ({
    stopping: null,
    reported: null,
    reportReason: null,
    spawnError: null,
    statusLost: false,
    code: 0,
    signal: null,
    timeoutMs: 1_800_000,
    stallAfterMs: 900_000,
    outputTail: '',
    ...o,
  });

  it.each([
    ['exit 0', {}, { outcome: 'success', errorClass: null, note: null }],
    ['stopped by the operator', { stopping: 'stop', code: null, signal: 'SIGTERM' }, { outcome: 'cancelled', errorClass: null, note: null }],
    ['restarted by the operator', { stopping: 'restart' }, { outcome: 'cancelled', errorClass: null, note: null }],
    [
      'stopped by its spent budget',
      { stopping: 'budget', code: null, signal: 'SIGTERM' },
      { outcome: 'cancelled', errorClass: null, note: 'stopped: its budget is spent (on_exceed: stop)' },
    ],
    ['ended by agor down', { stopping: 'down', code: 1 }, { outcome: 'cancelled', errorClass: null, note: null }],
    ['over its wall clock', { stopping: 'timeout', code: null, signal: 'SIGTERM' }, { outcome: 'timeout', errorClass: null, note: 'wall-clock timeout of 1800 s' }],
    ['reported blocked', { reported: 'blocked', reportReason: 'captcha', code: 1 }, { outcome: 'blocked', errorClass: null, note: 'captcha' }],
    ['reported partial', { reported: 'partial', reportReason: 'half done' }, { outcome: 'partial', errorClass: null, note: 'half done' }],
    ['not startable', { spawnError: 'ENOENT', code: null }, { outcome: 'failed', errorClass: 'unknown', note: 'could not start: ENOENT' }],
    [
      'refused for secrets the keyring lacks',
      { secretsFailure: 'secret GH is not in the keyring', code: null },
      { outcome: 'failed', errorClass: 'secrets', note: 'secret GH is not in the keyring' },
    ],
    ['exit 1 after a 429', { code: 1, outputTail: 'HTTP 429 Too Many Requests' }, { outcome: 'failed', errorClass: 'rate_limit', note: null }],
    ['exit 1 with an invalid key', { code: 1, outputTail: 'Error: invalid api key' }, { outcome: 'failed', errorClass: 'auth', note: null }],
    ['exit 1 with an unreadable log', { code: 1, outputTail: null }, { outcome: 'failed', errorClass: 'unknown', note: null }],
    ['killed by a signal', { code: null, signal: 'SIGKILL' }, { outcome: 'failed', errorClass: 'unknown', note: null }],
    [
      'killed after a stall, even with exit 0',
      { stopping: 'stalled', code: 0 },
      { outcome: 'failed', errorClass: 'unknown', note: 'killed after 900 s without output or heartbeat' },
    ],
  ] as [string, Partial<RunEnd>, object][])('a run %s', (_what, o, want) => {
    expect(runOutcome(end(o))).toEqual(want);
  });

  it('takes a reported outcome, else failed, when the exit status was lost', () => {
    const note = 'exit status not observable: the run ended while it was re-adopted or while no supervisor ran';
    expect(runOutcome(end({ statusLost: true, code: null }))).toEqual({ outcome: 'failed', errorClass: 'unknown', note });
    expect(runOutcome(end({ statusLost: true, code: null, reported: 'success' }))).toEqual({ outcome: 'success', errorClass: null, note });
  });
});
