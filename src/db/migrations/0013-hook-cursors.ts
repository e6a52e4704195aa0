import type { Migration } from './index.js';

/**
 * Where the supervisor's event hooks have got to in the tables they read (task_history
 * for task_status, dead_letters, approvals): a change after the cursor has not fired
 * yet, so changes made while no supervisor ran fire after `agor up`, and none twice.
 */
export const hookCursors: Migration = {
  version: 13,
  name: 'hook-cursors',
  up: `
    CREATE TABLE IF NOT EXISTS hook_cursors (
      source TEXT PRIMARY KEY,
      position INTEGER NOT NULL,
      updated_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
  `,
};
