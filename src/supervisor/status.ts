import { type Db, stmt } from '../db/open.js';
import { unreadCount } from '../db/messages.js';
import * as R from '../db/runs.js';
import { isSameProcess } from './proc.js';
import type { AgentView, Health, State } from './protocol.js';

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/**
 * The health an agent view shows: a stalled agent is degraded even when no restart is
 * pending, so that no row reads "stalled" and "healthy" at once.
 */
export const viewHealth = (state: State, health: Health): Health => (state === 'stalled' && health === 'healthy' ? 'degraded' : health);

/** How the agent's latest ended run ended: the last_* fields of an agent view. */
export function lastRunFields(db: Db, agent: string): Pick<AgentView, 'last_outcome' | 'last_error_class' | 'last_note'> {
  const r = R.lastEndedRun(db, agent);
  return { last_outcome: r?.outcome ?? null, last_error_class: r?.error_class ?? null, last_note: r?.note ?? null };
}

/**
 * The agents as the database last saw them, for when no supervisor runs: a process that
 * outlived its supervisor still shows as running (unsupervised), with its pid.
 */
export function offlineList(db: Db, now = Date.now()): AgentView[] {
  const agents = stmt<{ id: string; name: string; role: string }>(db, 'SELECT id, name, role FROM agents WHERE managed = 1 ORDER BY id').all();
  const state = new Map(R.listAgentState(db).map((s) => [s.agent, s]));
  const open = new Map(R.openRuns(db).map((r) => [r.agent, r]));
  const claimed = new Map(stmt<{ a: string; n: number }>(db, `SELECT agent_id AS a, count(*) AS n FROM task_leases WHERE state = 'active' GROUP BY agent_id`).all().map((r) => [r.a, r.n]));
  const pending = new Map(R.pendingWakeCounts(db).map((p) => [p.agent, p.n]));
  return agents.map((a) => {
    const s = state.get(a.id);
    const run = open.get(a.id);
    const alive = run ? isSameProcess(run.pid, run.pid_start, run.boot_id) : false;
    const mode = (s?.mode ?? 'service') as AgentView['mode'];
    const st: State = alive ? 'running' : s?.state === 'failed' ? 'failed' : 'inactive';
    return {
      id: a.id,
      name: a.name,
      role: a.role,
      mode,
      strategy: '',
      state: st,
      health: viewHealth(st, (s?.health ?? 'healthy') as Health),
      pid: alive ? run!.pid : null,
      run_id: alive ? run!.id : null,
      started_at: alive ? iso(run!.started_at) : null,
      uptime_s: alive ? Math.max(0, Math.round((now - run!.started_at) / 1000)) : null,
      last_output_at: alive ? iso(s?.last_output_at) : null,
      last_heartbeat_at: alive ? iso(run!.heartbeat_at) : null,
      restarts: s?.restarts ?? 0,
      attempts: s?.attempts ?? 0,
      next_start_at: null,
      pending_wakes: pending.get(a.id) ?? 0,
      unread: unreadCount(db, a.id),
      claimed: claimed.get(a.id) ?? 0,
      attention: s?.attention ?? 0,
      attention_reason: s?.attention_reason ?? null,
      supervised: false,
      stall_after_s: null,
      ...lastRunFields(db, a.id),
    };
  });
}
