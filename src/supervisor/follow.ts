/** What follows the end of a run, as the policy decides: restart, retry after a backoff, failed, a follow-up for waiting wakes, or rest. */
import type { FailureKind } from './classify.js';
import * as R from '../db/runs.js';
import { type Ctx, type Run, type Slot, restState } from './context.js';
import { afterRun } from './policy.js';
import type { RunHooks } from './runs.js';

/** What acting on a run's end reaches: the supervisor's context, a way to start the agent again, the hooks. */
export interface Follower {
  ctx: Ctx;
  hooks: RunHooks;
  start(slot: Slot, why: string, delayMs: number | null): void;
}

/** What follows a run, as the policy decides: restart, retry, failed, a follow-up for waiting wakes, or rest. */
export function follow(f: Follower, slot: Slot, run: Run, outcome: R.Outcome, errorClass: FailureKind | null, statusLost: boolean, ended: number): void {
  const { ctx } = f;
  const a = slot.cfg;
  const next = afterRun({
    mode: a.mode,
    restart: a.restart,
    onStall: a.onStall,
    stopping: run.stopping,
    shuttingDown: ctx.shuttingDown(),
    enabled: slot.enabled,
    outcome,
    errorClass,
    statusLost,
    attempts: slot.attempts,
    startedAt: run.startedAt,
    now: ended,
  });
  switch (next.kind) {
    case 'down':
      slot.state = restState(slot);
      ctx.persist(slot);
      ctx.emitState(slot, run.stopping === 'removed' && !ctx.shuttingDown() ? 'stopped by a reload of agor.yaml' : 'supervisor stopping');
      return;
    case 'stopped':
      slot.state = 'inactive';
      ctx.persist(slot);
      ctx.emitState(slot, 'stopped');
      return;
    case 'held':
      slot.state = restState(slot);
      ctx.persist(slot);
      ctx.emitState(slot, 'budget spent');
      return;
    case 'restart':
      slot.attempts = 0;
      slot.health = 'healthy';
      slot.restarts++;
      ctx.persist(slot);
      if (a.mode === 'service') f.start(slot, 'restart', 0);
      else f.hooks.deliverManual(slot, 'agor restart');
      return;
    case 'failed':
      slot.attempts = next.attempts;
      return markFailed(f, slot, next.reason);
    case 'retry':
      slot.attempts = next.attempts;
      if (a.mode !== 'service') {
        slot.retryOf = { runId: run.id, reason: run.wakeReason };
        // The retry is a wake of its own, so a crash during the backoff does not lose it.
        const wake = { agent: a.id, reason: 'retry', detail: `run ${run.id.slice(0, 8)} failed (${errorClass})`, prompt: null, timeout_ms: run.timeoutMs };
        ctx.writes.write(`the retry wake of ${a.id}`, () => R.insertWake(ctx.db, wake));
      }
      return scheduleStart(f, slot, next.delayMs, outcome);
    case 'rest':
      slot.attempts = 0;
      slot.health = 'healthy';
      slot.state = 'dormant';
      ctx.persist(slot);
      ctx.emitState(slot, `run ${outcome}`);
      // Wakes that came in during the run coalesce into one follow-up.
      f.hooks.checkWakes();
  }
}

function scheduleStart(f: Follower, slot: Slot, delay: number, outcome: string): void {
  const { ctx } = f;
  slot.health = 'degraded';
  slot.state = restState(slot);
  slot.restarts++;
  slot.nextStartAt = ctx.now() + delay;
  slot.nextDelayMs = delay;
  slot.timer = setTimeout(() => {
    slot.timer = null;
    ctx.safe(slot.cfg.id, () => f.start(slot, slot.cfg.mode === 'service' ? 'restart' : 'retry', delay));
  }, delay);
  ctx.persist(slot);
  ctx.emitState(slot, `run ${outcome}; attempt ${slot.attempts} of ${slot.cfg.restart.maxRetries} in ${delay} ms`);
}

function markFailed(f: Follower, slot: Slot, reason: string): void {
  slot.state = 'failed';
  slot.health = 'failed';
  slot.nextStartAt = null;
  f.ctx.persist(slot);
  f.ctx.audit('agent_failed', { agent: slot.cfg.id, reason });
  f.ctx.emitState(slot, reason);
}
