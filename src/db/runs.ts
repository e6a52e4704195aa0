import { type Db, stmt } from './open.js';

export type Outcome = 'success' | 'partial' | 'cancelled' | 'timeout' | 'failed' | 'blocked';

export interface RunRow {
  id: string;
  agent: string;
  incarnation: number;
  pid: number | null;
  pid_start: number | null;
  boot_id: string | null;
  log_path: string | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  outcome: Outcome | null;
  wake_reason: string | null;
  error_class: string | null;
  note: string | null;
  timeout_ms: number | null;
  restart_delay_ms: number | null;
  peak_rss_kb: number | null;
  heartbeat_at: number | null;
  reported_outcome: Outcome | null;
  report_reason: string | null;
  report_evidence: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  turns: number | null;
  tool_calls: number | null;
  cost_usd: number | null;
  context_usage: number | null;
  /** The sandbox and limits in force for the run, in one line; null before it started. */
  sandbox: string | null;
  /** The keyring items the run was given, names only, as JSON (src/secrets/scrub-run.ts); null: none. */
  secret_refs: string | null;
  /** The last meaningful line of its output, scrubbed, written as it ended; null: none, or still running. */
  last_line: string | null;
}

/**
 * Why a wake was queued: a message, a task assigned or a review requested (each with the
 * message's id as detail), agor wake and the like (manual), a schedule, a retry, the scorer.
 */
export type WakeReason = 'message' | 'task' | 'review' | 'manual' | 'schedule' | 'retry' | 'scorer';

export interface WakeRow {
  id: number;
  agent: string;
  /** A WakeReason, read back from the file as text. */
  reason: string;
  detail: string | null;
  prompt: string | null;
  timeout_ms: number | null;
  created_at: number;
  run_id: string | null;
  consumed_at: number | null;
  /** Who asked for it (agor wake: BTMSG_AGENT_ID, else admin); null for the supervisor's own. */
  requested_by: string | null;
  /** Injection findings in its detail or prompt, comma-separated; null when none. */
  flags: string | null;
}

export interface SupervisorRow {
  pid: number;
  pid_start: number;
  boot_id: string | null;
  host: string | null;
  socket: string;
  config: string | null;
  group_id: string | null;
  log: string | null;
  started_at: number;
  ready: number;
}

export interface AgentStateRow {
  agent: string;
  mode: string;
  state: string;
  health: string;
  run_id: string | null;
  pid: number | null;
  restarts: number;
  attempts: number;
  last_output_at: number | null;
  next_start_at: number | null;
  attention: number;
  attention_reason: string | null;
  updated_at: number;
  /** 0 after `agor stop`, until `agor start` or `restart`. */
  enabled: number;
}

/** Runs kept per agent; older ones (and their logs) are pruned. */
const RUNS_KEPT = 100;

// ---- runs

export const getRun = (db: Db, id: string) => stmt<RunRow>(db, 'SELECT * FROM runs WHERE id = ?').get(id);

export const runIdsByPrefix = (db: Db, prefix: string, limit = 10) =>
  stmt<{ id: string }>(db, `SELECT id FROM runs WHERE id >= ? AND id < ? || char(1114111) ORDER BY id LIMIT ?`)
    .all(prefix, prefix, limit)
    .map((r) => r.id);

export function insertRun(db: Db, r: Pick<RunRow, 'id' | 'agent' | 'log_path' | 'started_at' | 'wake_reason' | 'timeout_ms' | 'restart_delay_ms'>): RunRow {
  const inc = stmt<{ n: number }>(db, 'SELECT coalesce(max(incarnation), 0) + 1 AS n FROM runs WHERE agent = ?').get(r.agent)!.n;
  stmt(
    db,
    `INSERT INTO runs (id, agent, incarnation, log_path, started_at, wake_reason, timeout_ms, restart_delay_ms)
     VALUES (@id, @agent, @inc, @log_path, @started_at, @wake_reason, @timeout_ms, @restart_delay_ms)`,
  ).run({ ...r, inc });
  return getRun(db, r.id)!;
}

export const setRunPid = (db: Db, id: string, pid: number, pidStart: number, bootId: string, sandbox: string | null = null) =>
  stmt(db, 'UPDATE runs SET pid = ?, pid_start = ?, boot_id = ?, sandbox = coalesce(?, sandbox) WHERE id = ?').run(pid, pidStart, bootId, sandbox, id);

/** Records what confined a run when it could not start (a sandbox refusal). */
export const setRunSandbox = (db: Db, id: string, sandbox: string) => stmt(db, 'UPDATE runs SET sandbox = ? WHERE id = ?').run(sandbox, id);

/** Records which keyring items a run was given (JSON of names and scopes, never values). */
export const setRunSecretRefs = (db: Db, id: string, refs: string) => stmt(db, 'UPDATE runs SET secret_refs = ? WHERE id = ?').run(refs, id);

/** Whether any run of `agent` was given keyring items (so reading its logs may need the keyring). */
export const agentHadSecrets = (db: Db, agent: string): boolean =>
  !!stmt(db, 'SELECT 1 AS x FROM runs WHERE agent = ? AND secret_refs IS NOT NULL LIMIT 1').get(agent);

export function endRun(
  db: Db,
  id: string,
  e: Pick<RunRow, 'ended_at' | 'exit_code' | 'signal' | 'outcome' | 'error_class' | 'note' | 'peak_rss_kb'> & Partial<Pick<RunRow, 'last_line'>>,
): void {
  stmt(
    db,
    `UPDATE runs SET ended_at = @ended_at, exit_code = @exit_code, signal = @signal, outcome = @outcome,
       error_class = @error_class, note = @note, last_line = @last_line, peak_rss_kb = CASE WHEN @peak_rss_kb IS NULL THEN peak_rss_kb ELSE max(coalesce(peak_rss_kb, 0), @peak_rss_kb) END
     WHERE id = @id AND ended_at IS NULL`,
  ).run({ last_line: null, ...e, id });
}

/** Runs not yet ended, oldest first: what a starting supervisor may re-adopt. */
export const openRuns = (db: Db) => stmt<RunRow>(db, 'SELECT * FROM runs WHERE ended_at IS NULL ORDER BY started_at').all();

export const openRunHeartbeats = (db: Db) => stmt<{ id: string; heartbeat_at: number | null }>(db, 'SELECT id, heartbeat_at FROM runs WHERE ended_at IS NULL').all();

export const deleteRun = (db: Db, id: string) => stmt(db, 'DELETE FROM runs WHERE id = ?').run(id);

export interface RunFilter {
  agent?: string;
  limit: number;
}

/** Newest first. */
export function listRuns(db: Db, f: RunFilter): RunRow[] {
  return f.agent
    ? stmt<RunRow>(db, 'SELECT * FROM runs WHERE agent = ? ORDER BY started_at DESC, incarnation DESC LIMIT ?').all(f.agent, f.limit)
    : stmt<RunRow>(db, 'SELECT * FROM runs ORDER BY started_at DESC LIMIT ?').all(f.limit);
}

/** How the agent's latest ended run ended (a run in progress does not count). */
export const lastEndedRun = (db: Db, agent: string) =>
  stmt<Pick<RunRow, 'outcome' | 'error_class' | 'note' | 'exit_code' | 'signal' | 'last_line'>>(
    db,
    'SELECT outcome, error_class, note, exit_code, signal, last_line FROM runs WHERE agent = ? AND ended_at IS NOT NULL ORDER BY started_at DESC, incarnation DESC LIMIT 1',
  ).get(agent);

export const latestRun = (db: Db, agent: string) =>
  stmt<RunRow>(db, 'SELECT * FROM runs WHERE agent = ? ORDER BY started_at DESC, incarnation DESC LIMIT 1').get(agent);

/** Ended runs of `agent` beyond the newest RUNS_KEPT. */
export const runsBeyondKept = (db: Db, agent: string) =>
  stmt<Pick<RunRow, 'id' | 'log_path'>>(
    db,
    `SELECT id, log_path FROM runs WHERE agent = ? AND ended_at IS NOT NULL ORDER BY started_at DESC, incarnation DESC LIMIT -1 OFFSET ${RUNS_KEPT}`,
  ).all(agent);

export type RunReport = Partial<
  Pick<RunRow, 'reported_outcome' | 'report_reason' | 'report_evidence' | 'tokens_in' | 'tokens_out' | 'turns' | 'tool_calls' | 'cost_usd' | 'context_usage'>
>;

/** Merges what an agent reports into its run; counters given again replace the old value. */
export function reportRun(db: Db, id: string, r: RunReport): void {
  const cols = Object.keys(r).filter((k) => r[k as keyof RunReport] !== undefined);
  if (!cols.length) return;
  stmt(db, `UPDATE runs SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run({ ...r, id });
}

export const touchRunHeartbeat = (db: Db, id: string, at: number) => stmt(db, 'UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(at, id);

// ---- wakes

/** Queues a wake; the domain decides whether and why (see supervisor/wake.ts, msg/messages.ts). */
export function insertWake(
  db: Db,
  w: Pick<WakeRow, 'agent' | 'reason' | 'detail' | 'prompt' | 'timeout_ms'> & Partial<Pick<WakeRow, 'requested_by' | 'flags'>>,
  at?: number,
): WakeRow {
  const row = { requested_by: null, flags: null, ...w, at: at ?? Date.now() };
  const info = stmt(
    db,
    'INSERT INTO wakes (agent, reason, detail, prompt, timeout_ms, created_at, requested_by, flags) VALUES (@agent, @reason, @detail, @prompt, @timeout_ms, @at, @requested_by, @flags)',
  ).run(row);
  return stmt<WakeRow>(db, 'SELECT * FROM wakes WHERE id = ?').get(info.lastInsertRowid)!;
}

/** Wakes not yet consumed, oldest first. */
export const pendingWakes = (db: Db, agent: string) => stmt<WakeRow>(db, 'SELECT * FROM wakes WHERE agent = ? AND run_id IS NULL ORDER BY id').all(agent);

export const pendingWakeCounts = (db: Db) =>
  stmt<{ agent: string; n: number; last: number }>(db, 'SELECT agent, count(*) AS n, max(id) AS last FROM wakes WHERE run_id IS NULL GROUP BY agent').all();

export const maxWakeId = (db: Db) => stmt<{ n: number }>(db, 'SELECT coalesce(max(id), 0) AS n FROM wakes').get()!.n;

/** Marks wakes as consumed by `runId`; only those still pending, so none is consumed twice. */
export function consumeWakes(db: Db, ids: number[], runId: string, at: number): number {
  let n = 0;
  for (const id of ids) n += stmt(db, 'UPDATE wakes SET run_id = ?, consumed_at = ? WHERE id = ? AND run_id IS NULL').run(runId, at, id).changes;
  return n;
}

/** Puts the wakes of a run that never started back in the queue. */
export const releaseWakes = (db: Db, runId: string) => stmt(db, 'UPDATE wakes SET run_id = NULL, consumed_at = NULL WHERE run_id = ?').run(runId).changes;

/** Consumed wakes older than `before`: the queue keeps a week of history. */
export const pruneWakes = (db: Db, before: number) => stmt(db, 'DELETE FROM wakes WHERE run_id IS NOT NULL AND consumed_at < ?').run(before).changes;

// ---- schedules

export interface ScheduleRow {
  /** The slot it last fired for, or when it was first seen: what missed slots count from. */
  last_fired_at: number | null;
  fired: number;
}

export const scheduleState = (db: Db, agent: string, key: string) =>
  stmt<ScheduleRow>(db, 'SELECT last_fired_at, fired FROM schedules WHERE agent = ? AND key = ?').get(agent, key);

export const scheduleLastFired = (db: Db, agent: string, key: string) => scheduleState(db, agent, key)?.last_fired_at ?? null;

/** Records a firing for slot `at`, or (fired false) the moment a schedule was first seen. */
export const setScheduleFired = (db: Db, agent: string, key: string, at: number, fired = true) =>
  stmt(
    db,
    `INSERT INTO schedules (agent, key, last_fired_at, fired) VALUES (?, ?, ?, ?)
     ON CONFLICT(agent, key) DO UPDATE SET last_fired_at = excluded.last_fired_at, fired = fired + excluded.fired`,
  ).run(agent, key, at, fired ? 1 : 0);

// ---- the supervisor lock

export const getSupervisor = (db: Db) => stmt<SupervisorRow>(db, 'SELECT * FROM supervisor WHERE id = 1').get();

export function putSupervisor(db: Db, s: Omit<SupervisorRow, 'ready'>): void {
  stmt(
    db,
    `INSERT OR REPLACE INTO supervisor (id, pid, pid_start, boot_id, host, socket, config, group_id, log, started_at, ready)
     VALUES (1, @pid, @pid_start, @boot_id, @host, @socket, @config, @group_id, @log, @started_at, 0)`,
  ).run(s);
}

export const setSupervisorReady = (db: Db, pid: number) => stmt(db, 'UPDATE supervisor SET ready = 1 WHERE pid = ?').run(pid);
export const clearSupervisor = (db: Db, pid: number) => stmt(db, 'DELETE FROM supervisor WHERE pid = ?').run(pid);

// ---- agent state

export const listAgentState = (db: Db) => stmt<AgentStateRow>(db, 'SELECT * FROM agent_state ORDER BY agent').all();
export const getAgentState = (db: Db, agent: string) => stmt<AgentStateRow>(db, 'SELECT * FROM agent_state WHERE agent = ?').get(agent);

export function putAgentState(db: Db, s: AgentStateRow): void {
  stmt(
    db,
    `INSERT OR REPLACE INTO agent_state (agent, mode, state, health, run_id, pid, restarts, attempts, last_output_at, next_start_at, attention, attention_reason, updated_at, enabled)
     VALUES (@agent, @mode, @state, @health, @run_id, @pid, @restarts, @attempts, @last_output_at, @next_start_at, @attention, @attention_reason, @updated_at, @enabled)`,
  ).run(s);
}

export const deleteAgentState = (db: Db, agent: string) => stmt(db, 'DELETE FROM agent_state WHERE agent = ?').run(agent);

export const setManaged = (db: Db, agent: string, managed: boolean) => stmt(db, 'UPDATE agents SET managed = ? WHERE id = ?').run(managed ? 1 : 0, agent);
