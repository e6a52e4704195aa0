/**
 * The supervisor's decisions as pure functions over plain data: how a run ended (its
 * outcome) and what follows it (restart, retry after a backoff, failed, rest).
 */
import type { Outcome } from '../db/runs.js';
import { type FailureKind, classifyFailure, retryAdvice } from './classify.js';
import type { AgentConfig } from './config.js';
import type { StopWhy } from './context.js';

/**
 * Delay before restart attempt `attempt` (1-based): base, 2×base, 4×base, … capped.
 * With the defaults: 1 s, 2 s, 4 s, 8 s, 16 s, then 30 s. `factor` stretches both
 * (overload waits four times longer).
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, factor = 1): number {
  const raw = baseMs * 2 ** Math.max(0, attempt - 1) * factor;
  return Math.min(capMs * factor, raw);
}

export interface RunEnd {
  /** Why the supervisor was stopping the run, if it was. */
  stopping: StopWhy | null;
  /** What the agent reported of itself (agor report), if anything. */
  reported: Outcome | null;
  reportReason: string | null;
  /** The program could not be started at all. */
  spawnError: string | null;
  /** The run ended while re-adopted or while no supervisor ran: no exit status to go on. */
  statusLost: boolean;
  code: number | null;
  signal: string | null;
  timeoutMs: number | null;
  stallAfterMs: number;
  /** The end of the run's output, for classifying a failure; null when it cannot be read. */
  outputTail: string | null;
  /** The sandbox could not be set up (refused before the start, or the helper failed): why. */
  sandboxFailure?: string | null;
  /** The run's secrets could not be read (missing from the keyring, or no keyring): why. */
  secretsFailure?: string | null;
  /** The agent's git worktree could not be made (`worktree:`): why. */
  worktreeFailure?: string | null;
  /** A limit of the agent's ended it (e.g. "memory limit 200M reached: OOM kill"). */
  limitHit?: string | null;
}

export interface RunOutcome {
  outcome: Outcome;
  errorClass: FailureKind | null;
  note: string | null;
}

/** How a run ended: a stop decides first, then the agent's own report, then the exit status. */
export function runOutcome(e: RunEnd): RunOutcome {
  const why = e.stopping;
  if (why === 'stop' || why === 'restart' || why === 'down' || why === 'removed') return { outcome: 'cancelled', errorClass: null, note: null };
  if (why === 'budget') return { outcome: 'cancelled', errorClass: null, note: 'stopped: its budget is spent (on_exceed: stop)' };
  if (why === 'timeout') return { outcome: 'timeout', errorClass: null, note: `wall-clock timeout of ${Math.round((e.timeoutMs ?? 0) / 1000)} s` };
  if (e.reported === 'blocked' || e.reported === 'partial') return { outcome: e.reported, errorClass: null, note: e.reportReason };
  if (e.worktreeFailure) return { outcome: 'failed', errorClass: 'worktree', note: e.worktreeFailure };
  if (e.secretsFailure) return { outcome: 'failed', errorClass: 'secrets', note: e.secretsFailure };
  if (e.sandboxFailure) return { outcome: 'failed', errorClass: 'sandbox', note: e.sandboxFailure };
  if (e.spawnError) return { outcome: 'failed', errorClass: 'unknown', note: `could not start: ${e.spawnError}` };
  if (e.limitHit && !(e.code === 0 && why !== 'stalled')) return { outcome: 'failed', errorClass: 'limit', note: e.limitHit };
  if (e.statusLost) {
    const outcome = e.reported ?? 'failed';
    return {
      outcome,
      errorClass: outcome === 'failed' ? 'unknown' : null,
      note: 'exit status not observable: the run ended while it was re-adopted or while no supervisor ran',
    };
  }
  if (e.code === 0 && why !== 'stalled') return { outcome: 'success', errorClass: null, note: null };
  return {
    outcome: 'failed',
    errorClass: e.outputTail === null ? 'unknown' : classifyFailure(e.outputTail, e.code, e.signal),
    note: why === 'stalled' ? `killed after ${Math.round(e.stallAfterMs / 1000)} s without output or heartbeat` : null,
  };
}

export interface AfterRunInput {
  mode: AgentConfig['mode'];
  restart: AgentConfig['restart'];
  onStall: AgentConfig['onStall'];
  stopping: StopWhy | null;
  shuttingDown: boolean;
  /** False after `agor stop`. */
  enabled: boolean;
  outcome: Outcome;
  errorClass: FailureKind | null;
  statusLost: boolean;
  /** Failed attempts so far, before this run's end is counted. */
  attempts: number;
  startedAt: number;
  now: number;
}

/** What follows a run; `attempts` is the slot's count from now on. */
export type AfterRun =
  /** The supervisor is stopping or the agent left the config: rest. */
  | { kind: 'down' }
  /** Stopped by the operator. */
  | { kind: 'stopped' }
  /** Stopped because its budget is spent: at rest until the budget resets. */
  | { kind: 'held' }
  /** Restarted by the operator: a fresh start, the count cleared. */
  | { kind: 'restart' }
  | { kind: 'failed'; reason: string; attempts: number }
  /** Start again after `delayMs` (a service's restart, an on-demand run's retry). */
  | { kind: 'retry'; delayMs: number; attempts: number }
  /** An on-demand run that needs no retry: dormant until the next wake. */
  | { kind: 'rest'; attempts: 0 };

/**
 * The restart policy. A service is kept running: any exit is a restart with exponential
 * backoff, counted as an attempt unless the run had been stable for stable_after; an
 * on-demand agent retries failed runs only. Past max_retries attempts the agent is failed;
 * auth and quota failures wait for a human at once, and overload backs off four times longer.
 */
export function afterRun(i: AfterRunInput): AfterRun {
  const why = i.stopping;
  if (i.shuttingDown || why === 'down' || why === 'removed') return { kind: 'down' };
  // A run of a stopped agent that ended on its own (re-adopted after a crash mid-stop).
  if (why === 'stop' || !i.enabled) return { kind: 'stopped' };
  if (why === 'budget') return { kind: 'held' };
  if (why === 'restart') return { kind: 'restart' };
  if (why === 'stalled' && i.onStall === 'kill') return { kind: 'failed', reason: 'killed after a stall (on_stall: kill)', attempts: i.attempts };
  const failed = i.outcome === 'failed';
  const advice = i.errorClass ? retryAdvice(i.errorClass) : { retry: true, backoffFactor: 1 };
  const r = i.restart;
  const delay = (attempts: number) => backoffMs(attempts, r.backoffMs, r.backoffCapMs, advice.backoffFactor);
  if (i.mode === 'service') {
    const counted = i.now - i.startedAt >= r.stableAfterMs ? 0 : i.attempts;
    if (failed && !advice.retry) return { kind: 'failed', reason: `${i.errorClass} failure: not retried`, attempts: counted };
    const attempts = counted + 1;
    if (attempts > r.maxRetries) return { kind: 'failed', reason: `${r.maxRetries} restarts failed`, attempts };
    return { kind: 'retry', delayMs: delay(attempts), attempts };
  }
  if (failed && !i.statusLost) {
    if (!advice.retry) return { kind: 'failed', reason: `${i.errorClass} failure: not retried`, attempts: i.attempts };
    const attempts = i.attempts + 1;
    if (attempts > r.maxRetries) return { kind: 'failed', reason: `${r.maxRetries} retries failed`, attempts };
    return { kind: 'retry', delayMs: delay(attempts), attempts };
  }
  return { kind: 'rest', attempts: 0 };
}
