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
