/** The watch of a live run each tick: its output, memory and heartbeat, and whether it is running, idle or stalled. */
import { statSync } from 'node:fs';
import { type Ctx, type Run, type Slot, iso } from './context.js';
import { LOG_MAX_BYTES, rotateIfLarge } from './logs.js';
import { isSameProcess, peakRssKb } from './proc.js';

export type Activity = 'running' | 'idle' | 'stalled';

/** A run is idle after this long without output or heartbeat, or half its stall_after if less. */
const IDLE_AFTER_MS = 60_000;

/** How long a run has been silent: since its last output, its last heartbeat or its start. */
export function quietFor(now: number, r: { lastOutputAt: number; heartbeatAt: number; startedAt: number }): number {
  return now - Math.max(r.lastOutputAt, r.heartbeatAt, r.startedAt);
}

/**
 * The activity a live run moves to after `quietMs` of silence, or null when it stays as it
 * is. A stall is declared once and only for a run not already being stopped; output or a
 * heartbeat ends it.
 */
export function nextActivity(cur: string, quietMs: number, stallAfterMs: number, stopping: boolean): Activity | null {
  const stalled = cur === 'stalled';
  if (!stalled && quietMs >= stallAfterMs && !stopping) return 'stalled';
  if (stalled) return quietMs < stallAfterMs ? 'running' : null;
  const idle = quietMs >= Math.min(IDLE_AFTER_MS, stallAfterMs / 2);
  if (idle === (cur === 'idle')) return null;
  return idle ? 'idle' : 'running';
}

export interface WatchHooks {
  /** The run's process is gone (a re-adopted run, whose exit no event tells). */
  gone(slot: Slot, run: Run): void;
  /** on_stall asks for the run to end. */
  stop(slot: Slot): void;
}

/**
 * One tick's look at a run: a re-adopted run whose process is gone ends; new output moves
 * its last-output time (and rotates a log past its bound); then its activity is updated,
 * and a stall is told, audited and acted on (on_stall).
 */
export function watchRun(ctx: Ctx, slot: Slot, run: Run, now: number, hbAt: number | null, sampleRss: boolean, hooks: WatchHooks): void {
  if (run.adopted && !isSameProcess(run.pid, run.pidStart)) return hooks.gone(slot, run);
  let size = run.lastSize;
  try {
    size = statSync(run.logPath).size;
  } catch {
    /* not there yet */
  }
  if (size !== run.lastSize) {
    run.lastOutputAt = now;
    run.lastSize = size;
    if (size > LOG_MAX_BYTES && rotateIfLarge(run.logPath)) run.lastSize = 0;
  }
  if (run.pid && (sampleRss || run.peakKb === 0)) {
    const kb = peakRssKb(run.pid);
    if (kb) run.peakKb = Math.max(run.peakKb, kb);
  }
  // Heartbeats are stamped with the wall clock; the run's times with the supervisor's.
  const quiet = quietFor(now, { lastOutputAt: run.lastOutputAt, heartbeatAt: hbAt ? hbAt + (now - Date.now()) : 0, startedAt: run.startedAt });
  const a = slot.cfg;
  const next = nextActivity(slot.state, quiet, a.stallAfterMs, run.stopping !== null);
  if (next === null) return;
  const wasStalled = slot.state === 'stalled';
  slot.state = next;
  ctx.persist(slot);
  if (next === 'stalled') {
    const silent = Math.round(quiet / 1000);
    ctx.emit({ event: 'stall', at: iso(now)!, agent: a.id, run: run.id, silent_s: silent, action: a.onStall });
    ctx.emitState(slot, `no output or heartbeat for ${silent} s`);
    ctx.audit('agent_stalled', { agent: a.id, run: run.id, silent_s: silent, action: a.onStall });
    if (a.onStall === 'kill' || a.onStall === 'restart') hooks.stop(slot);
    return;
  }
  ctx.emitState(slot, next === 'idle' && !wasStalled ? 'no output for a while' : 'output resumed');
}
