import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, migrations } from '../../../src/db/migrations/index.js';
import { openDb, schemaVersion } from '../../../src/db/open.js';
import { getAgentState } from '../../../src/db/runs.js';
import { tempDb } from '../../helpers/cli.js';

describe('migration 8: agent_state.enabled', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => (t = tempDb()));
  afterEach(() => t.cleanup());

  it('migrates a file of version 5 forward and keeps the agents it knew enabled', () => {
    const old = new Database(t.db);
    for (const m of migrations.filter((x) => x.version <= 5)) {
      if (typeof m.up === 'string') old.exec(m.up);
      else m.up(old);
    }
    old.pragma('user_version = 5');
    old.prepare(`INSERT INTO agent_state (agent, mode, state, health, updated_at) VALUES ('w', 'service', 'inactive', 'healthy', 1)`).run();
    old.close();

    const db = openDb({ path: t.db });
    try {
      expect(schemaVersion(db)).toBe(LATEST_VERSION);
      expect(LATEST_VERSION).toBeGreaterThanOrEqual(8);
      expect(getAgentState(db, 'w')).toMatchObject({ state: 'inactive', enabled: 1 });
    } finally {
      db.close();
    }
  });
});
