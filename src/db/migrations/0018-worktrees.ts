import type { Db } from '../open.js';
import type { Migration } from './index.js';

/**
 * The git worktree agor made for each agent (`worktree:`), so restarts, a restarted
 * supervisor and `agor worktree`/`agor merge` find it without asking git to guess; and
 * a task flag that merges its assignee's branch when a reviewer moves it to done (a
 * column with a default, so the earlier tools' inserts still work). Added only where missing, as 0012 does.
 */
export const worktrees: Migration = {
  version: 18,
  name: 'worktrees',
  up: (db: Db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS worktrees (
        agent TEXT PRIMARY KEY,
        repo TEXT NOT NULL,
        path TEXT NOT NULL,
        branch TEXT NOT NULL,
        base TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (datetime('now'))
      );
    `);
    const cols = db.pragma('table_info(tasks)') as { name: string }[];
    if (!cols.some((c) => c.name === 'merge_on_done')) db.exec('ALTER TABLE tasks ADD COLUMN merge_on_done INTEGER NOT NULL DEFAULT 0;');
  },
};
