import type { Db } from '../open.js';
import type { Migration } from './index.js';

/**
 * The last meaningful line of a run's output, scrubbed, stored as the run ends: what
 * `agor ps`, `agor runs` and the dashboard quote as why it failed. Added only where
 * missing, as 0010 does.
 */
export const runLastLine: Migration = {
  version: 16,
  name: 'run-last-line',
  up: (db: Db) => {
    const cols = db.pragma('table_info(runs)') as { name: string }[];
    if (!cols.some((c) => c.name === 'last_line')) db.exec('ALTER TABLE runs ADD COLUMN last_line TEXT;');
  },
};
