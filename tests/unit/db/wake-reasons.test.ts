import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/db/migrations/index.js';
import { type Db, openDb, schemaVersion } from '../../../src/db/open.js';
import { setManaged } from '../../../src/db/runs.js';
import { allow, register } from '../../../src/msg/agents.js';
import { insertDeadLetter } from '../../../src/db/deadletters.js';
import { create, post } from '../../../src/msg/channels.js';
import { requeue } from '../../../src/msg/deadletters.js';
import { reply, send } from '../../../src/msg/messages.js';
import { add, assign, claim, setStatus } from '../../../src/task/board.js';
import { wakeReasons } from '../../../src/db/migrations/0007-wake-reasons.js';
import { tempDb } from '../../helpers/cli.js';

const wakes = (db: Db, agent: string) =>
  db.prepare('SELECT reason, detail FROM wakes WHERE agent = ? ORDER BY id').all(agent) as { reason: string; detail: string }[];

const allWakes = (db: Db) => db.prepare('SELECT * FROM wakes ORDER BY id').all();

/** Triggers that queue wakes or read what a message says (beyond the full-text index's copy). */
const wakeTriggers = (db: Db) =>
  (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string }[]).filter(
    (t) => /wakes/i.test(t.sql) || /content\s+LIKE/i.test(t.sql),
  );

/** Messages stored as an earlier agor stored them: a plain insert, the trigger doing the rest. */
const insertOld = (d: Database.Database, rows: [string, string, string, string][]) => {
  const s = d.prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES (?, ?, ?, ?, 'g')`);
  for (const r of rows) s.run(...r);
};

describe('wake reasons', () => {
  let t: ReturnType<typeof tempDb>;
  let db: Db;
  beforeEach(() => {
    t = tempDb();
    db = openDb({ path: t.db });
    for (const [id, role] of [
      ['mgr', 'manager'],
      ['dev', 'project'],
      ['rev', 'reviewer'],
    ] as const) {
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
    old.exec('DROP TRIGGER IF EXISTS messages_wake_ai');
    old.exec(v5.slice(v5.indexOf('CREATE TRIGGER')));
    old.pragma('user_version = 5');
    old.close();
    db = openDb({ path: t.db });
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(9);
    expect(wakeTriggers(db)).toEqual([]);
    const m = send(db, 'dev', 'rev', 'Review requested: forged');
    expect(m.stored && wakes(db, 'rev')).toEqual([{ reason: 'message', detail: m.stored ? m.message.id : '' }]);
  });

  it("keeps, row for row, the wakes a version 5 file's trigger queued, pending and consumed, and then queues each new one once", () => {
    db.close();
    const old = new Database(t.db);
    const v5 = migrations.find((m) => m.version === 5)!.up as string;
    old.exec('DROP TRIGGER IF EXISTS messages_wake_ai');
    old.exec(v5.slice(v5.indexOf('CREATE TRIGGER')));
    old.pragma('user_version = 5');
    insertOld(old, [
      ['m1', 'mgr', 'dev', 'Task assigned to you: abcd1234 "Write the docs" (high).'],
      ['m2', 'dev', 'rev', 'Review requested: abcd1234 "Write the docs".'],
      ['m3', 'dev', 'mgr', 'done for today'],
    ]);
    old.prepare("UPDATE wakes SET run_id = 'r-old', consumed_at = 1 WHERE detail = 'm3'").run();
    const before = allWakes(old);
    old.close();
    expect(before.map((w) => [(w as { reason: string }).reason, (w as { detail: string }).detail])).toEqual([
      ['task', 'm1'],
      ['review', 'm2'],
      ['message', 'm3'],
    ]);

    db = openDb({ path: t.db });
    expect(allWakes(db)).toEqual(before);
    expect(wakeTriggers(db)).toEqual([]);
    const m = send(db, 'dev', 'mgr', 'one more thing');
    expect(m.stored && wakes(db, 'mgr')).toEqual([
      { reason: 'message', detail: 'm3' },
      { reason: 'message', detail: m.stored ? m.message.id : '' },
    ]);
  });

  it('keeps the pending wakes of a version 8 file and drops its message trigger', () => {
    db.close();
    const old = new Database(t.db);
    // A version 8 file: version 7's trigger, which always says 'message'.
    (wakeReasons.up as (d: Db) => void)(old);
    old.pragma('user_version = 8');
    insertOld(old, [
      ['m1', 'dev', 'mgr', 'Task assigned to you: forged'],
      ['m2', 'admin', 'dev', 'please look at the build'],
    ]);
    const before = allWakes(old);
    old.close();
    expect(before).toHaveLength(2);

    db = openDb({ path: t.db });
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(9);
    expect(allWakes(db)).toEqual(before);
    expect(wakeTriggers(db)).toEqual([]);
    expect(wakes(db, 'mgr')).toEqual([{ reason: 'message', detail: 'm1' }]);
    expect(wakes(db, 'dev')).toEqual([{ reason: 'message', detail: 'm2' }]);
  });

  it('wakes the recipient of a reply and of a requeued dead letter, but not the members of a channel', () => {
    const m = send(db, 'dev', 'mgr', 'is the build green?');
    expect(m.stored).toBe(true);
    const r = reply(db, 'mgr', m.stored ? m.message.id : '', 'yes');
    expect(r.stored && wakes(db, 'dev')).toEqual([{ reason: 'message', detail: r.stored ? r.message.id : '' }]);

    // A letter that died while its recipient was not yet agor's, requeued once it is.
    const dl = insertDeadLetter(db, { from_agent: 'mgr', to_agent: 'rev', content: 'look at this', error: 'stale', message_id: null, reply_to: null, flags: null });
    const back = requeue(db, 'admin', String(dl.id));
    expect(wakes(db, 'rev')).toEqual([{ reason: 'message', detail: back.id }]);

    const before = allWakes(db).length;
    create(db, 'admin', 'general', ['mgr', 'dev', 'rev']);
    post(db, 'mgr', 'general', 'standup in five');
    expect(allWakes(db)).toHaveLength(before);
  });

  it('wakes only agents agor manages, and no one by their own message', () => {
    register(db, 'admin', { id: 'bob', name: 'bob', role: 'project', group: 'g' });
    allow(db, 'admin', 'dev', 'bob', true);
    expect(send(db, 'dev', 'bob', 'hello').stored).toBe(true);
    expect(wakes(db, 'bob')).toEqual([]);
    expect(send(db, 'admin', 'dev', 'from the operator').stored).toBe(true);
    expect(wakes(db, 'dev').map((w) => w.reason)).toEqual(['message']);
  });
});
