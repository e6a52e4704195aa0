import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, run, seedTeam, tempDb } from '../helpers/cli.js';

// Durations that end up in a timer or a lease are capped at 7 days: above that they are
// refused (exit 2), never passed to a setTimeout that would fire at once. `btmsg wait`
// has no cap: its long waits are tested in btmsg/wait.test.ts.
describe('durations longer than a timer holds', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
    seedTeam(t.db);
  });
  afterEach(() => t.cleanup());

  it('agor wake refuses a 25 day timeout with exit 2', () => {
    const r = run('agor', ['wake', 'alice', '--timeout', '25d'], { db: t.db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid timeout '25d'/);
  });

  it('bttask claim and renew refuse a 25 day lease with exit 2', () => {
    const id = json<{ id: string }>(run('bttask', ['add', 'a task', '--json'], { db: t.db, as: 'boss' })).id;
    const claim = run('bttask', ['claim', id, '--lease', '25d'], { db: t.db, as: 'alice' });
    expect(claim.code).toBe(2);
    expect(claim.stderr).toMatch(/a lease runs from 1 second to 7 days/);
    expect(run('bttask', ['claim', id, '--lease', '7d'], { db: t.db, as: 'alice' }).code).toBe(0);
    const renew = run('bttask', ['renew', id, '--lease', '25d'], { db: t.db, as: 'alice' });
    expect(renew.code).toBe(2);
    expect(renew.stderr).toMatch(/a lease runs from 1 second to 7 days/);
  });
});
