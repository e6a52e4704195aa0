import type { Db } from '../open.js';
import type { Migration } from './index.js';
import { addColumns } from './reconcile.js';

/**
 * `agent_state.enabled`: 0 once the operator ran `agor stop`, 1 again after `agor start`
 * or `restart`. A starting supervisor reads it back (with `state = 'failed'`), so what the
 * operator or the failure policy parked stays parked across `agor down`/`up` and a crash.
 * `agor down` does not touch it: it stops the supervisor, not the agents' standing.
 */
export const operatorState: Migration = {
  version: 8,
  name: 'operator-state',
  up: (db: Db) => {
    // Only when missing: a file may have been given the column already.
    addColumns(db, [['agent_state', 'enabled INTEGER NOT NULL DEFAULT 1']]);
  },
};
