/** The agents as the database shows them when no supervisor runs, and what both views read of past runs. */
import type { Db } from '../db/open.js';
import { unreadCount } from '../db/messages.js';
import * as R from '../db/runs.js';
import { activeLeaseCounts, managedAgents } from '../db/supervisor.js';
import { listWorktrees } from '../db/worktrees.js';
import { isSameProcess } from './proc.js';
import type { AgentView, Health, State } from './protocol.js';
import { agentView } from './views.js';

/** How the agent's latest ended run ended: the last_* fields of an agent view. */
export function lastRunFields(
  db: Db,
  agent: string,
): Pick<AgentView, 'last_outcome' | 'last_error_class' | 'last_note' | 'last_exit_code' | 'last_signal' | 'last_line'> {
  const r = R.lastEndedRun(db, agent);
  return {
    last_outcome: r?.outcome ?? null,
    last_error_class: r?.error_class ?? null,
    last_note: r?.note ?? null,
    last_exit_code: r?.exit_code ?? null,
    last_signal: r?.signal ?? null,
    last_line: r?.last_line ?? null,
  };
}

/** Each agent's git worktree as `agor ps` shows it (none when the table cannot be read now). */
export function worktreeFields(db: Db): Map<string, NonNullable<AgentView['worktree']>> {
  try {
    return new Map(listWorktrees(db).map((w) => [w.agent, { path: w.path, branch: w.branch, base: w.base }]));
  } catch {
    return new Map();
  }
}

/**
 * The agents as the database last saw them, for when no supervisor runs: a process that
 * outlived its supervisor still shows as running (unsupervised), with its pid.
 */
export function offlineList(db: Db, now = Date.now()): AgentView[] {
  const agents = managedAgents(db);
  const state = new Map(R.listAgentState(db).map((s) => [s.agent, s]));
  const open = new Map(R.openRuns(db).map((r) => [r.agent, r]));
  const claimed = activeLeaseCounts(db);
  const pending = new Map(R.pendingWakeCounts(db).map((p) => [p.agent, p.n]));
  const worktrees = worktreeFields(db);
  return agents.map((a) => {
    const s = state.get(a.id);
    const run = open.get(a.id);
    const alive = run ? isSameProcess(run.pid, run.pid_start, run.boot_id) : false;
    const st: State = alive ? 'running' : s?.state === 'failed' ? 'failed' : 'inactive';
    return agentView(
      {
        id: a.id,
        name: a.name,
        role: a.role,
        mode: (s?.mode ?? 'service') as AgentView['mode'],
        strategy: '',
        state: st,
        health: (s?.health ?? 'healthy') as Health,
        run: alive ? { id: run!.id, pid: run!.pid, startedAt: run!.started_at, lastOutputAt: s?.last_output_at ?? null, heartbeatAt: run!.heartbeat_at } : null,
        restarts: s?.restarts ?? 0,
        attempts: s?.attempts ?? 0,
        nextStartAt: null,
        pendingWakes: pending.get(a.id) ?? 0,
        unread: unreadCount(db, a.id),
        claimed: claimed.get(a.id) ?? 0,
        attention: { score: s?.attention ?? 0, reason: s?.attention_reason ?? null },
        supervised: false,
        stallAfterMs: null,
        lastRun: lastRunFields(db, a.id),
        worktree: worktrees.get(a.id) ?? null,
      },
      now,
    );
  });
}
