import type { Migration } from './index.js';

/**
 * Conflicts between agents' work: two agents changing one file of a shared working tree
 * (overlap), a change from no agent (external), or two worktrees whose work would not
 * merge (merge). `key` names one conflict across scans (its kind, tree and agents), so a
 * conflict seen again updates its row; `sig` fingerprints the conflicting
 * content of a merge conflict, so an acknowledged one re-opens only when its files change. Times are Unix milliseconds.
 */
export const conflicts: Migration = {
  version: 19,
  name: 'conflicts',
  up: `
    CREATE TABLE IF NOT EXISTS conflicts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('overlap', 'external', 'merge')),
      tree TEXT NOT NULL,
      agents TEXT NOT NULL DEFAULT '[]',
      files TEXT NOT NULL DEFAULT '[]',
      sig TEXT,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acked', 'resolved')),
      acked_by TEXT,
      acked_at INTEGER,
      note TEXT,
      resolved_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS conflicts_key ON conflicts (key, status);
    CREATE INDEX IF NOT EXISTS conflicts_status ON conflicts (status, id);
  `,
};
