import { type Db, stmt } from './open.js';

export type SecretCategory = 'tool' | 'system';

/** One secret's metadata; the value lives only in the OS keyring. */
export interface SecretRow {
  group_id: string;
  /** null: shared by the group. */
  agent: string | null;
  name: string;
  category: SecretCategory;
  set_by: string;
  /** SQLite UTC text. */
  updated_at: string;
}

/** Records that a secret was set (insert, or update of category, setter and time). Call inside writeTx. */
export function upsertSecretMeta(db: Db, row: Omit<SecretRow, 'updated_at'>): void {
  stmt(
    db,
    `INSERT INTO secrets (group_id, agent, name, category, set_by) VALUES (@group_id, @agent, @name, @category, @set_by)
     ON CONFLICT (group_id, COALESCE(agent, '*'), name) DO UPDATE SET category = excluded.category, set_by = excluded.set_by, updated_at = datetime('now')`,
  ).run(row);
}

/** Forgets a secret's metadata; true when there was a row. Call inside writeTx. */
export function deleteSecretMeta(db: Db, group: string, agent: string | null, name: string): boolean {
  return stmt(db, `DELETE FROM secrets WHERE group_id = ? AND COALESCE(agent, '*') = ? AND name = ?`).run(group, agent ?? '*', name).changes > 0;
}

/** The group's secrets, shared ones first, then by agent and name. */
export function listSecretMeta(db: Db, group: string): SecretRow[] {
  return stmt<SecretRow>(
    db,
    `SELECT group_id, agent, name, category, set_by, updated_at FROM secrets WHERE group_id = ? ORDER BY agent IS NOT NULL, agent, name`,
  ).all(group);
}
