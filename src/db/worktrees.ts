/** The agents' git worktrees, as agor made them (`worktree:` in agor.yaml). */
import { type Db, stmt, writeTx } from './open.js';

export interface WorktreeRow {
  agent: string;
  /** The repository's top level (its main worktree). */
  repo: string;
  path: string;
  branch: string;
  base: string;
  created_at: string;
}

export const getWorktree = (db: Db, agent: string) => stmt<WorktreeRow>(db, 'SELECT * FROM worktrees WHERE agent = ?').get(agent);

export const listWorktrees = (db: Db) => stmt<WorktreeRow>(db, 'SELECT * FROM worktrees ORDER BY agent').all();

/** Records (or re-records, after a move or a re-creation) the worktree of `r.agent`. */
export function putWorktree(db: Db, r: Pick<WorktreeRow, 'agent' | 'repo' | 'path' | 'branch' | 'base'>): void {
  writeTx(db, () =>
    stmt(
      db,
      `INSERT INTO worktrees (agent, repo, path, branch, base) VALUES (@agent, @repo, @path, @branch, @base)
       ON CONFLICT(agent) DO UPDATE SET repo = excluded.repo, path = excluded.path, branch = excluded.branch, base = excluded.base`,
    ).run(r),
  );
}

export const deleteWorktree = (db: Db, agent: string) => writeTx(db, () => stmt(db, 'DELETE FROM worktrees WHERE agent = ?').run(agent).changes > 0);

/** The cursor (in hook_cursors) of merges on done: task_history rows up to it have been acted on. */
const MERGE_CURSOR = 'merge_on_done';

export interface DoneMerge {
  id: number;
  task_id: string;
  /** Who moved the task to done. */
  agent_id: string;
  title: string;
  assigned_to: string | null;
}

/** Where merges on done have got to; started at the newest status change the first time, so old tasks never merge. */
export function mergeCursor(db: Db): number {
  return writeTx(db, () => {
    const at = stmt<{ position: number }>(db, 'SELECT position FROM hook_cursors WHERE source = ?').get(MERGE_CURSOR)?.position;
    if (at !== undefined) return at;
    const n = stmt<{ n: number }>(db, "SELECT COALESCE(MAX(id), 0) AS n FROM task_history WHERE field = 'status'").get()!.n;
    stmt(db, 'INSERT INTO hook_cursors (source, position) VALUES (?, ?)').run(MERGE_CURSOR, n);
    return n;
  });
}

export const setMergeCursor = (db: Db, position: number): void =>
  void writeTx(db, () => stmt(db, `UPDATE hook_cursors SET position = MAX(position, ?), updated_at = datetime('now') WHERE source = ?`).run(position, MERGE_CURSOR));

/** Tasks that say merge_on_done moved to done after history row `after`, oldest first. */
export const doneMergesAfter = (db: Db, after: number, limit: number) =>
  stmt<DoneMerge>(
    db,
    `SELECT h.id, h.task_id, h.agent_id, t.title, t.assigned_to
       FROM task_history h JOIN tasks t ON t.id = h.task_id
      WHERE h.id > ? AND h.field = 'status' AND h.new_value = 'done' AND t.merge_on_done = 1 ORDER BY h.id LIMIT ?`,
  ).all(after, limit);
