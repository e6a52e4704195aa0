import type { Migration } from './index.js';

/**
 * Human approvals: an agent's request to take a risky action, pending until an operator
 * approves or denies it (or it times out, which denies). Times are Unix milliseconds.
 */
export const approvals: Migration = {
  version: 14,
  name: 'approvals',
  up: `
    CREATE TABLE IF NOT EXISTS approvals (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      agent TEXT NOT NULL,
      run_id TEXT,
      action TEXT NOT NULL,
      detail TEXT,
      status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'timeout', 'cancelled')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      decided_at INTEGER,
      decided_by TEXT,
      note TEXT
    );
    CREATE INDEX IF NOT EXISTS approvals_pending ON approvals (status, id);
  `,
};
