import type { Db } from '../open.js';
import type { Migration } from './index.js';

/**
 * Which keyring items a run was given, names only (JSON: [{"env","name","agent"}], agent
 * null for the group's shared item), so that its log can be scrubbed of their values when
 * no supervisor holds them. Added only where missing, as 0010 does.
 */
export const runSecretRefs: Migration = {
  version: 12,
  name: 'run-secret-refs',
  up: (db: Db) => {
    const cols = db.pragma('table_info(runs)') as { name: string }[];
    if (!cols.some((c) => c.name === 'secret_refs')) db.exec('ALTER TABLE runs ADD COLUMN secret_refs TEXT;');
  },
};
