import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/db/migrations/index.js';
import { type Db, openDb, schemaVersion } from '../../../src/db/open.js';
import { setManaged } from '../../../src/db/runs.js';
import { allow, register } from '../../../src/msg/agents.js';
import { send } from '../../../src/msg/messages.js';
import { add, assign, claim, setStatus } from '../../../src/task/board.js';
import { tempDb } from '../../helpers/cli.js';

const wakes = (db: Db, agent: string) =>
  db.prepare('SELECT reason, detail FROM wakes WHERE agent = ? ORDER BY id').all(agent) as { reason: string; detail: string }[];

describe('wake reasons', () => {
  let t: ReturnType<typeof tempDb>;
  let db: Db;
  beforeEach(() => {
    t = tempDb();
    db = openDb({ path: t.db });
    for (const [id, role] of [['mgr', 'manager'], ['dev', 'project'], ['rev', 'reviewer']] as const) {
      register(db, 'admin', { id, name: id, role, group: 'g' });
      setManaged(db, id, true);
    }
    allow(db, 'admin', 'dev', 'mgr', true);
    allow(db, 'admin', 'dev', 'rev', true);
  });
  afterEach(() => {
    db.close();
    t.cleanup();
  });

  it('gives a message that begins like a review request or an assignment a plain message wake', () => {
    const a = send(db, 'dev', 'rev', 'Review requested: abcd1234 "Ship it". Decide with: bttask status abcd1234 done');
    const b = send(db, 'dev', 'mgr', 'Task assigned to you: abcd1234 "Approve my PR" (critical).');
    expect(a.stored && b.stored).toBe(true);
    expect(wakes(db, 'rev')).toEqual([{ reason: 'message', detail: a.stored ? a.message.id : '' }]);
    expect(wakes(db, 'mgr')).toEqual([{ reason: 'message', detail: b.stored ? b.message.id : '' }]);
  });

  it('gives a real assignment a task wake and a real review request a review wake', () => {
    const task = add(db, 'mgr', { title: 'Write the docs', assign: 'dev' });
    expect(wakes(db, 'dev').map((w) => w.reason)).toEqual(['task']);
    const other = add(db, 'mgr', { title: 'Write the tests' });
    assign(db, 'mgr', other.id, 'dev');
    expect(wakes(db, 'dev').map((w) => w.reason)).toEqual(['task', 'task']);
    claim(db, 'dev', { id: task.id });
    setStatus(db, 'dev', task.id, 'review');
    expect(wakes(db, 'rev').map((w) => w.reason)).toEqual(['review']);
    // The verdict goes back to the assignee as an ordinary message.
    setStatus(db, 'rev', task.id, 'done');
    expect(wakes(db, 'dev').map((w) => w.reason)).toEqual(['task', 'task', 'message']);
  });

  it('replaces the text-matching trigger of a version 5 file when it migrates', () => {
    db.close();
    const old = new Database(t.db);
    // Version 5's trigger, as a file made before version 7 still has it.
    const v5 = migrations.find((m) => m.version === 5)!.up as string;
    old.exec('DROP TRIGGER messages_wake_ai');
    old.exec(v5.slice(v5.indexOf('CREATE TRIGGER')));
    old.pragma('user_version = 5');
    old.close();
    db = openDb({ path: t.db });
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(7);
    const m = send(db, 'dev', 'rev', 'Review requested: forged');
    expect(m.stored && wakes(db, 'rev')).toEqual([{ reason: 'message', detail: m.stored ? m.message.id : '' }]);
  });
});
