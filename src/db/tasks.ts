import { type Db, stmt } from './open.js';

export interface TaskRow {
  rowid: number;
  id: string;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  assigned_to: string | null;
  created_by: string;
  group_id: string;
  parent_task_id: string | null;
  sort_order: number;
  created_at: string;
  updated_at: string;
  version: number;
  open_deps: number;
  /** 1: moving it to done merges its assignee's branch (`bttask add --merge-on-done`). */
  merge_on_done?: number;
}

export interface LeaseRow {
  id: number;
  task_id: string;
  agent_id: string;
  run_id: string | null;
  duration: number;
  expires_at: number;
  assigned_before: string | null;
  state: 'active' | 'released' | 'expired' | 'finished';
  claimed_at: string;
  ended_at: string | null;
}

export interface CommentRow {
  id: string;
  task_id: string;
  agent_id: string;
  content: string;
  created_at: string;
}

export interface HistoryRow {
  id: number;
  task_id: string;
  agent_id: string;
  field: string;
  old_value: string | null;
  new_value: string | null;
  created_at: string;
}

/** Sort key shared by every listing: priority, then manual order, then age. */
const PRIORITY_RANK = `(CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END)`;
const ORDER = `${PRIORITY_RANK}, sort_order, created_at`;
const COLS = 'rowid, *';

export const getTask = (db: Db, id: string) => stmt<TaskRow>(db, `SELECT ${COLS} FROM tasks WHERE id = ?`).get(id);

export const taskIdsByPrefix = (db: Db, prefix: string, limit = 10) =>
  stmt<{ id: string }>(db, 'SELECT id FROM tasks WHERE id >= ? AND id < ? ORDER BY id LIMIT ?')
    .all(prefix, prefix + '\uffff', limit)
    .map((r) => r.id);

export function insertTask(
  db: Db,
  t: Pick<TaskRow, 'id' | 'title' | 'description' | 'priority' | 'assigned_to' | 'created_by' | 'group_id' | 'parent_task_id'> & { merge_on_done?: number },
): void {
  stmt(
    db,
    `INSERT INTO tasks (id, title, description, status, priority, assigned_to, created_by, group_id, parent_task_id, sort_order, version, merge_on_done)
     VALUES (@id, @title, @description, 'todo', @priority, @assigned_to, @created_by, @group_id, @parent_task_id,
       (SELECT coalesce(max(sort_order), 0) + 1 FROM tasks), 1, @merge_on_done)`,
  ).run({ merge_on_done: 0, ...t });
}

export type TaskPatch = Partial<Pick<TaskRow, 'title' | 'description' | 'status' | 'priority' | 'assigned_to' | 'parent_task_id' | 'sort_order'>>;

/** Compare-and-swap on version: true when the row was at `version` and is now `version + 1`. */
export function updateTask(db: Db, id: string, version: number, patch: TaskPatch): boolean {
  const keys = Object.keys(patch) as (keyof TaskPatch)[];
  const sets = keys.map((k) => `${k} = @${k}`).join(', ');
  const sql = `UPDATE tasks SET ${sets}${sets ? ', ' : ''}version = version + 1, updated_at = datetime('now') WHERE id = @id AND version = @version`;
  return stmt(db, sql).run({ ...patch, id, version }).changes === 1;
}

export const deleteTaskRows = (db: Db, id: string) => {
  stmt(db, 'DELETE FROM task_comments WHERE task_id = ?').run(id);
  stmt(db, 'DELETE FROM task_deps WHERE task_id = ? OR depends_on = ?').run(id, id);
  stmt(db, `UPDATE task_leases SET state = 'finished', ended_at = datetime('now') WHERE task_id = ? AND state = 'active'`).run(id);
  stmt(db, 'UPDATE tasks SET parent_task_id = NULL WHERE parent_task_id = ?').run(id);
  return stmt(db, 'DELETE FROM tasks WHERE id = ?').run(id).changes;
};

export interface ListFilter {
  /** Include done tasks. */
  all?: boolean;
  /** Only tasks assigned to this agent. */
  assignee?: string;
  status?: string;
  limit: number;
}

export function listTasks(db: Db, f: ListFilter): TaskRow[] {
  const where: string[] = [];
  if (!f.all && !f.status) where.push(`status != 'done'`);
  if (f.status) where.push('status = @status');
  if (f.assignee) where.push('assigned_to = @assignee');
  const sql = `SELECT ${COLS} FROM tasks ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${ORDER} LIMIT @limit`;
  return stmt<TaskRow>(db, sql).all({ status: f.status, assignee: f.assignee, limit: f.limit });
}

/**
 * Todo tasks whose dependencies are all done (open_deps = 0, kept by triggers) and that
 * nobody holds a lease on, in priority order. With `forAgent`, only those unassigned or
 * assigned to that agent. One range of the ready index, stopping at `limit`.
 */
export const readyTasks = (db: Db, forAgent: string | null, limit: number) =>
  stmt<TaskRow>(
    db,
    `SELECT ${COLS} FROM tasks t INDEXED BY idx_tasks_ready
     WHERE t.status = 'todo' AND t.open_deps = 0
       AND (@agent IS NULL OR t.assigned_to IS NULL OR t.assigned_to = @agent)
       AND NOT EXISTS (SELECT 1 FROM task_leases l WHERE l.task_id = t.id AND l.state = 'active')
     ORDER BY ${ORDER} LIMIT @limit`,
  ).all({ agent: forAgent, limit });

export const isReady = (db: Db, id: string) => stmt(db, `SELECT 1 FROM tasks t WHERE t.id = ? AND t.status = 'todo' AND t.open_deps = 0`).get(id) !== undefined;

export const reviewCount = (db: Db) => stmt<{ n: number }>(db, `SELECT count(*) AS n FROM tasks WHERE status = 'review'`).get()!.n;

export const childrenOf = (db: Db, id: string) => stmt<TaskRow>(db, `SELECT ${COLS} FROM tasks WHERE parent_task_id = ? ORDER BY ${ORDER}`).all(id);

// Comments
export function insertComment(db: Db, c: Omit<CommentRow, 'created_at'>): CommentRow {
  stmt(db, 'INSERT INTO task_comments (id, task_id, agent_id, content) VALUES (@id, @task_id, @agent_id, @content)').run(c);
  return stmt<CommentRow>(db, 'SELECT * FROM task_comments WHERE id = ?').get(c.id)!;
}
export const commentsOf = (db: Db, taskId: string) => stmt<CommentRow>(db, 'SELECT * FROM task_comments WHERE task_id = ? ORDER BY created_at, rowid').all(taskId);

// Dependencies
export const depsOf = (db: Db, taskId: string) =>
  stmt<{ id: string; title: string; status: string }>(
    db,
    'SELECT t.id, t.title, t.status FROM task_deps d JOIN tasks t ON t.id = d.depends_on WHERE d.task_id = ? ORDER BY t.created_at',
  ).all(taskId);
export const dependentsOf = (db: Db, taskId: string) =>
  stmt<{ id: string; title: string; status: string }>(
    db,
    'SELECT t.id, t.title, t.status FROM task_deps d JOIN tasks t ON t.id = d.task_id WHERE d.depends_on = ? ORDER BY t.created_at',
  ).all(taskId);
export const addDep = (db: Db, taskId: string, dependsOn: string, by: string) =>
  stmt(db, 'INSERT OR IGNORE INTO task_deps (task_id, depends_on, created_by) VALUES (?, ?, ?)').run(taskId, dependsOn, by).changes > 0;
export const removeDep = (db: Db, taskId: string, dependsOn: string) =>
  stmt(db, 'DELETE FROM task_deps WHERE task_id = ? AND depends_on = ?').run(taskId, dependsOn).changes > 0;
/** True when `to` is reachable from `from` along depends-on edges. */
export const dependsTransitively = (db: Db, from: string, to: string) =>
  stmt(
    db,
    `WITH RECURSIVE reach(id) AS (SELECT ? UNION SELECT d.depends_on FROM task_deps d JOIN reach r ON d.task_id = r.id)
     SELECT 1 FROM reach WHERE id = ? LIMIT 1`,
  ).get(from, to) !== undefined;

// Leases
export const activeLease = (db: Db, taskId: string) => stmt<LeaseRow>(db, `SELECT * FROM task_leases WHERE task_id = ? AND state = 'active'`).get(taskId);
/** Every active lease (one per task at most: the partial unique index holds them). */
export const activeLeases = (db: Db) => stmt<LeaseRow>(db, `SELECT * FROM task_leases WHERE state = 'active'`).all();
/** The task an agent holds a lease on (its oldest active lease), as id and title. */
export const claimedTaskOf = (db: Db, agent: string) =>
  stmt<{ id: string; title: string }>(
    db,
    `SELECT t.id, t.title FROM task_leases l JOIN tasks t ON t.id = l.task_id WHERE l.agent_id = ? AND l.state = 'active' ORDER BY l.id LIMIT 1`,
  ).get(agent);
export const lastLeaseOf = (db: Db, taskId: string, agent: string) =>
  stmt<LeaseRow>(db, 'SELECT * FROM task_leases WHERE task_id = ? AND agent_id = ? ORDER BY id DESC LIMIT 1').get(taskId, agent);
export function insertLease(db: Db, l: Pick<LeaseRow, 'task_id' | 'agent_id' | 'run_id' | 'duration' | 'expires_at' | 'assigned_before'>): LeaseRow {
  const info = stmt(
    db,
    `INSERT INTO task_leases (task_id, agent_id, run_id, duration, expires_at, assigned_before)
     VALUES (@task_id, @agent_id, @run_id, @duration, @expires_at, @assigned_before)`,
  ).run(l);
  return stmt<LeaseRow>(db, 'SELECT * FROM task_leases WHERE id = ?').get(info.lastInsertRowid)!;
}
export const endLease = (db: Db, leaseId: number, state: LeaseRow['state']) =>
  stmt(db, `UPDATE task_leases SET state = ?, ended_at = datetime('now') WHERE id = ? AND state = 'active'`).run(state, leaseId).changes;
export const extendLease = (db: Db, leaseId: number, expiresAt: number, duration?: number) =>
  stmt(db, `UPDATE task_leases SET expires_at = ?, duration = coalesce(?, duration) WHERE id = ? AND state = 'active'`).run(expiresAt, duration ?? null, leaseId)
    .changes;
export const expiredLeases = (db: Db, now: number) =>
  stmt<LeaseRow>(db, `SELECT * FROM task_leases WHERE state = 'active' AND expires_at <= ? ORDER BY expires_at`).all(now);
export const hasExpiredLeases = (db: Db, now: number) =>
  stmt(db, `SELECT 1 FROM task_leases WHERE state = 'active' AND expires_at <= ? LIMIT 1`).get(now) !== undefined;
export const activeLeasesOfRun = (db: Db, runId: string) => stmt<LeaseRow>(db, `SELECT * FROM task_leases WHERE run_id = ? AND state = 'active'`).all(runId);

// History
export const insertHistory = (db: Db, h: Omit<HistoryRow, 'id' | 'created_at'>) =>
  stmt(db, 'INSERT INTO task_history (task_id, agent_id, field, old_value, new_value) VALUES (@task_id, @agent_id, @field, @old_value, @new_value)').run(h);
export const historyOf = (db: Db, taskId: string) => stmt<HistoryRow>(db, 'SELECT * FROM task_history WHERE task_id = ? ORDER BY id').all(taskId);

// Search
export interface TaskSearchHit {
  kind: 'task' | 'comment';
  task_id: string;
  title: string;
  status: string;
  snippet: string;
  rank: number;
}
export const searchTasks = (db: Db, match: string, assignee: string | null, limit: number) =>
  stmt<TaskSearchHit>(
    db,
    `SELECT 'task' AS kind, t.id AS task_id, t.title, t.status,
       snippet(tasks_fts, -1, char(1), char(2), '…', 12) AS snippet, bm25(tasks_fts, 5.0, 1.0) AS rank
     FROM tasks_fts JOIN tasks t ON t.rowid = tasks_fts.rowid
     WHERE tasks_fts MATCH @match AND (@assignee IS NULL OR t.assigned_to = @assignee)
     UNION ALL
     SELECT 'comment' AS kind, t.id, t.title, t.status,
       snippet(task_comments_fts, 0, char(1), char(2), '…', 12), bm25(task_comments_fts)
     FROM task_comments_fts JOIN task_comments c ON c.rowid = task_comments_fts.rowid JOIN tasks t ON t.id = c.task_id
     WHERE task_comments_fts MATCH @match AND (@assignee IS NULL OR t.assigned_to = @assignee)
     ORDER BY rank LIMIT @limit`,
  ).all({ match, assignee, limit });

/** Pushes the expiry of every active lease `agent` holds (of `runId`, when given) to now + its duration. */
export const renewAgentLeases = (db: Db, agent: string, runId: string | null, now: number) =>
  stmt(
    db,
    `UPDATE task_leases SET expires_at = @now + duration
     WHERE agent_id = @agent AND state = 'active' AND expires_at > @now AND (@run IS NULL OR run_id IS NULL OR run_id = @run)`,
  ).run({ agent, run: runId, now }).changes;
