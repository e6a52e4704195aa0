import { describe, expect, it } from 'vitest';
import { openDb } from '../../../src/db/open.js';
import { LATEST_VERSION } from '../../../src/db/migrations/index.js';
import { agentHadSecrets, getRun, setRunSecretRefs } from '../../../src/db/runs.js';
import { addAgents, addRun, freshDb } from '../../helpers/db.js';

describe('runs.secret_refs (migration 12)', () => {
  const t = freshDb();
  const refs = '[{"env":"GH","name":"GITHUB_TOKEN","agent":"w1"}]';

  it("keeps the names of a run's keyring items, and says which agents had runs given any", () => {
    addAgents(t.db, ['w1', 'w2']);
    addRun(t.db, 'r1', 'w1', 1000);
    addRun(t.db, 'r2', 'w2', 2000);
    expect(getRun(t.db, 'r1')!.secret_refs).toBeNull();
    expect(agentHadSecrets(t.db, 'w1')).toBe(false);
    setRunSecretRefs(t.db, 'r1', refs);
    expect(getRun(t.db, 'r1')!.secret_refs).toBe(refs);
    expect(agentHadSecrets(t.db, 'w1')).toBe(true);
    expect(agentHadSecrets(t.db, 'w2')).toBe(false);
  });

  it('migrates again a file whose version was lowered by hand to 11, keeping the column and what it holds', () => {
    addAgents(t.db, ['w1']);
    addRun(t.db, 'r1', 'w1', 1000);
    setRunSecretRefs(t.db, 'r1', refs);
    t.db.pragma('user_version = 11');
    t.db.close();
    const db = openDb({ path: t.path });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(getRun(db, 'r1')!.secret_refs).toBe(refs);
    } finally {
      db.close();
    }
  });
});
