import type { Migration } from './index.js';

/**
 * The git worktree agor made for each agent (`worktree:`), so restarts, a restarted
 * supervisor and `agor worktree`/`agor merge` find it without asking git to guess; and
 * a task flag that merges its assignee's branch when a reviewer moves it to done.
 */
export const worktrees: Migration = {
  version: 15,
  name: 'worktrees',
  up: `
    CREATE TABLE IF NOT EXISTS worktrees (
      agent TEXT PRIMARY KEY,
      repo TEXT NOT NULL,
      path TEXT NOT NULL,
      branch TEXT NOT NULL,
      base TEXT NOT NULL,
      created_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    ALTER TABLE tasks ADD COLUMN merge_on_done INTEGER NOT NULL DEFAULT 0;
  `,
};
