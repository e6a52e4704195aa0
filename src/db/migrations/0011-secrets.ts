import type { Migration } from './index.js';

/**
 * What agor knows about the secrets in the OS keyring: names, scopes, categories, who set
 * them and when. Never a value. `agent` is NULL for a secret shared by the group; the
 * unique index treats that as '*', the account prefix the keyring item uses.
 */
export const secrets: Migration = {
  version: 11,
  name: 'secrets',
  up: `
    CREATE TABLE IF NOT EXISTS secrets (
      id INTEGER PRIMARY KEY,
      group_id TEXT NOT NULL,
      agent TEXT,
      name TEXT NOT NULL,
      category TEXT NOT NULL CHECK (category IN ('tool', 'system')),
      set_by TEXT NOT NULL,
      updated_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE UNIQUE INDEX IF NOT EXISTS secrets_scope ON secrets (group_id, COALESCE(agent, '*'), name);
  `,
};
