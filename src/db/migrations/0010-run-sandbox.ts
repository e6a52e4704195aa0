import type { Db } from '../open.js';
import type { Migration } from './index.js';

/**
 * What confined a run, as the supervisor started it: the sandbox and limits in force
 * (e.g. "landlock abi 7: fs; unix sockets denied; cgroup hybrid"), or "off". Added only
 * where missing, so a file whose version number was lowered by hand migrates too.
 */
export const runSandbox: Migration = {
  version: 10,
  name: 'run-sandbox',
  up: (db: Db) => {
    const cols = db.pragma('table_info(runs)') as { name: string }[];
    if (!cols.some((c) => c.name === 'sandbox')) db.exec('ALTER TABLE runs ADD COLUMN sandbox TEXT;');
  },
};
