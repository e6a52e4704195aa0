import type { RunRow } from '../db/runs.js';
import type { AgentView, Health, State } from './protocol.js';

/** A run as `agor runs --json` and the protocol show it: times as ISO strings. */
export interface RunView extends Omit<RunRow, 'started_at' | 'ended_at' | 'heartbeat_at' | 'pid_start' | 'boot_id'> {
  started_at: string;
  ended_at: string | null;
  heartbeat_at: string | null;
  duration_s: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A run row as `agor runs --json` and the dashboard show it. */
export function runView(r: RunRow): RunView {
  const { pid_start: _s, boot_id: _b, ...rest } = r;
  return {
    ...rest,
    started_at: new Date(r.started_at).toISOString(),
    ended_at: iso(r.ended_at),
    heartbeat_at: iso(r.heartbeat_at),
    duration_s: r.ended_at === null ? null : Math.round((r.ended_at - r.started_at) / 1000),
  };
}

/** What one agent view is built from: the same for a live supervisor and the offline list. */
export interface AgentFacts {
  id: string;
  name: string;
  role: string;
  mode: AgentView['mode'];
  strategy: string;
  state: State;
  health: Health;
  /** The current run, or null when none runs (or none is known to). */
  run: { id: string; pid: number | null; startedAt: number; lastOutputAt: number | null; heartbeatAt: number | null } | null;
  restarts: number;
  attempts: number;
  nextStartAt: number | null;
  pendingWakes: number;
  unread: number;
  claimed: number;
  attention: { score: number; reason: string | null };
  supervised: boolean;
  stallAfterMs: number | null;
  lastRun: Pick<AgentView, 'last_outcome' | 'last_error_class' | 'last_note' | 'last_exit_code' | 'last_signal' | 'last_line'>;
  /** Its budgets' state (the one closest to its limit); null or absent when no budget bears on it. */
  budget?: AgentView['budget'];
  /** Its git worktree, once made; null or absent when it has none. */
  worktree?: AgentView['worktree'];
}

/**
 * One agent as `list` and `agor ps --json` show it. A stalled agent shows as degraded
 * even when no restart is pending, so that no row reads "stalled" and "healthy" at once.
 */
export function agentView(f: AgentFacts, now: number): AgentView {
  const run = f.run;
  return {
    id: f.id,
    name: f.name,
    role: f.role,
    mode: f.mode,
    strategy: f.strategy,
    state: f.state,
    health: f.state === 'stalled' && f.health === 'healthy' ? 'degraded' : f.health,
    pid: run?.pid ?? null,
    run_id: run?.id ?? null,
    started_at: iso(run?.startedAt ?? null),
    uptime_s: run ? Math.max(0, Math.round((now - run.startedAt) / 1000)) : null,
    last_output_at: iso(run?.lastOutputAt ?? null),
    last_heartbeat_at: iso(run?.heartbeatAt ?? null),
    restarts: f.restarts,
    attempts: f.attempts,
    next_start_at: iso(f.nextStartAt),
    pending_wakes: f.pendingWakes,
    unread: f.unread,
    claimed: f.claimed,
    attention: f.attention.score,
    attention_reason: f.attention.reason,
    supervised: f.supervised,
    stall_after_s: f.stallAfterMs === null ? null : Math.round(f.stallAfterMs / 1000),
    ...f.lastRun,
    budget: f.budget ?? null,
    worktree: f.worktree ?? null,
  };
}
