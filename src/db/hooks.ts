import { type Db, stmt, writeTx } from './open.js';

/** The tables the hooks read with a cursor, by the name of their cursor. */
export type HookSource = 'task_status' | 'dead_letter' | 'approval_requested';

const MAX_ID: Record<HookSource, string> = {
  task_status: "SELECT COALESCE(MAX(id), 0) AS n FROM task_history WHERE field = 'status'",
  dead_letter: 'SELECT COALESCE(MAX(id), 0) AS n FROM dead_letter_queue',
  approval_requested: 'SELECT COALESCE(MAX(id), 0) AS n FROM approvals',
};

/** Where the hooks of `source` have got to; null when they never ran. */
export const hookCursor = (db: Db, source: HookSource): number | null =>
  stmt<{ position: number }>(db, 'SELECT position FROM hook_cursors WHERE source = ?').get(source)?.position ?? null;

/** Moves the cursor of `source` forward to `position` (never back). */
export function setHookCursor(db: Db, source: HookSource, position: number): void {
  writeTx(db, () =>
    stmt(
      db,
      `INSERT INTO hook_cursors (source, position) VALUES (?, ?)
       ON CONFLICT (source) DO UPDATE SET position = MAX(position, excluded.position), updated_at = datetime('now')`,
    ).run(source, position),
  );
}

/** Starts the cursor of `source` at the newest row, unless it has one already; returns where it is. */
export function startHookCursor(db: Db, source: HookSource): number {
  return writeTx(db, () => {
    const at = hookCursor(db, source);
    if (at !== null) return at;
    const n = stmt<{ n: number }>(db, MAX_ID[source]).get()!.n;
    stmt(db, 'INSERT INTO hook_cursors (source, position) VALUES (?, ?)').run(source, n);
    return n;
  });
}

/** Forgets the cursor of `source` (no hook reads it any more), so a hook added later starts at the newest row. */
export const dropHookCursor = (db: Db, source: HookSource): void => void writeTx(db, () => stmt(db, 'DELETE FROM hook_cursors WHERE source = ?').run(source));

export interface TaskStatusChange {
  id: number;
  task_id: string;
  agent_id: string;
  old_value: string | null;
  new_value: string | null;
  created_at: string;
  title: string | null;
  assigned_to: string | null;
}

/** Status changes after history row `after`, oldest first. */
export const taskStatusChangesAfter = (db: Db, after: number, limit: number) =>
  stmt<TaskStatusChange>(
    db,
    `SELECT h.id, h.task_id, h.agent_id, h.old_value, h.new_value, h.created_at, t.title, t.assigned_to
       FROM task_history h LEFT JOIN tasks t ON t.id = h.task_id
      WHERE h.id > ? AND h.field = 'status' ORDER BY h.id LIMIT ?`,
  ).all(after, limit);

export interface DeadLetterEntry {
  id: number;
  from_agent: string;
  to_agent: string;
  content: string;
  error: string;
  message_id: string | null;
  created_at: string;
}

/** Dead letters after id `after`, oldest first. */
export const deadLettersAfter = (db: Db, after: number, limit: number) =>
  stmt<DeadLetterEntry>(db, 'SELECT id, from_agent, to_agent, content, error, message_id, created_at FROM dead_letter_queue WHERE id > ? ORDER BY id LIMIT ?').all(
    after,
    limit,
  );

export interface ApprovalEntry {
  id: number;
  agent: string;
  run_id: string | null;
  action: string;
  detail: string | null;
  status: string;
  created_at: number;
  expires_at: number | null;
}

/** Approval requests after id `after`, oldest first, with the status they have now. */
export const approvalsAfter = (db: Db, after: number, limit: number) =>
  stmt<ApprovalEntry>(db, 'SELECT id, agent, run_id, action, detail, status, created_at, expires_at FROM approvals WHERE id > ? ORDER BY id LIMIT ?').all(
    after,
    limit,
  );

export interface HookFailureEntry {
  id: number;
  agent_id: string;
  event_type: string;
  detail: string | null;
  created_at: string;
}

/** How many hooks failed since `since` (SQLite UTC text), and the latest failure. */
export function hookFailuresSince(db: Db, since: string): { count: number; last: HookFailureEntry | null } {
  const count = stmt<{ n: number }>(db, "SELECT COUNT(*) AS n FROM audit_log WHERE event_type = 'hook_failed' AND created_at >= ?").get(since)!.n;
  const last = count
    ? (stmt<HookFailureEntry>(db, "SELECT * FROM audit_log WHERE event_type = 'hook_failed' AND created_at >= ? ORDER BY id DESC LIMIT 1").get(since) ?? null)
    : null;
  return { count, last };
}
