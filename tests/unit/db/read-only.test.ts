import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { managedGroup } from '../../../src/db/agents.js';
import { type Db, dataVersion, envBusyTimeout, openDb, openReadOnly, writeTx } from '../../../src/db/open.js';
import { claimedTaskOf } from '../../../src/db/tasks.js';
import { register } from '../../../src/msg/agents.js';
import { send } from '../../../src/msg/messages.js';
import { tempDb } from '../../helpers/cli.js';
import { userError } from '../../helpers/errors.js';

describe('openReadOnly', () => {
  let t: ReturnType<typeof tempDb>;
  const open: Db[] = [];
  const track = (db: Db) => (open.push(db), db);
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => {
    for (const db of open.splice(0)) if (db.open) db.close();
    t.cleanup();
  });

  it('refuses to open a file that does not exist, and does not create it', () => {
    const err = userError(() => openReadOnly({ path: t.db }));
    expect(err.message).toBe(`no database at ${t.db}`);
    expect(existsSync(t.db)).toBe(false);
    expect(existsSync(`${t.db}-wal`)).toBe(false);
  });

  it('refuses every write on the connection, leaving the file as it was', () => {
    track(openDb({ path: t.db })).close();
    const ro = track(openReadOnly({ path: t.db }));
    expect(() => writeTx(ro, () => ro.prepare(`INSERT INTO audit_log (agent_id, event_type) VALUES ('admin', 'x')`).run())).toThrow(/readonly/);
    expect(() => ro.exec(`DELETE FROM agents`)).toThrow(/readonly/);
    expect(ro.prepare('SELECT count(*) AS n FROM agents').get()).toEqual({ n: 1 });
  });

  it('refuses a file that is not SQLite, without touching it', () => {
    writeFileSync(t.db, 'not a database at all, just text\n');
    expect(userError(() => openReadOnly({ path: t.db })).message).toMatch(/not an SQLite database/);
  });

  it('takes its busy timeout from the option, else from AGOR_BUSY_TIMEOUT, as openDb does', () => {
    track(openDb({ path: t.db })).close();
    expect(track(openReadOnly({ path: t.db, busyTimeoutMs: 1234 })).pragma('busy_timeout', { simple: true })).toBe(1234);
    const saved = process.env.AGOR_BUSY_TIMEOUT;
    process.env.AGOR_BUSY_TIMEOUT = '777';
    try {
      expect(track(openReadOnly({ path: t.db })).pragma('busy_timeout', { simple: true })).toBe(777);
      // What the dashboard asks before falling back to its own shorter wait.
      expect(envBusyTimeout()).toBe(777);
      expect(envBusyTimeout({ AGOR_BUSY_TIMEOUT: 'soon' })).toBeUndefined();
      expect(envBusyTimeout({})).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.AGOR_BUSY_TIMEOUT;
      else process.env.AGOR_BUSY_TIMEOUT = saved;
    }
  });

  it('reads what another connection committed while that connection holds the write lock, and sees the data version move', () => {
    const rw = track(openDb({ path: t.db }));
    register(rw, 'admin', { id: 'bob', name: 'Bob', role: 'project', group: 'g' });
    const ro = track(openReadOnly({ path: t.db }));
    const before = dataVersion(ro);
    send(rw, 'admin', 'bob', 'first');
    expect(dataVersion(ro)).not.toBe(before);
    // A writer mid-transaction: the reader goes on reading the last committed state, at once.
    rw.exec('BEGIN IMMEDIATE');
    try {
      rw.prepare(`DELETE FROM messages`).run();
      const started = Date.now();
      expect(ro.prepare(`SELECT content FROM messages`).all()).toEqual([{ content: 'first' }]);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      rw.exec('ROLLBACK');
    }
  });
});

describe("the dashboard's reads", () => {
  let t: ReturnType<typeof tempDb>;
  let db: Db;
  beforeEach(() => {
    t = tempDb();
    db = openDb({ path: t.db });
  });
  afterEach(() => {
    db.close();
    t.cleanup();
  });

  it('name the group of the first managed agent, and none before a supervisor registered one', () => {
    expect(managedGroup(db)).toBeNull();
    writeTx(db, () => {
      for (const [id, group] of [
        ['zed', 'late'],
        ['amy', 'team'],
      ]) {
        db.prepare(`INSERT INTO agents (id, name, role, group_id, tier, managed) VALUES (?, ?, 'project', ?, 2, 1)`).run(id, id, group);
      }
    });
    expect(managedGroup(db)).toBe('team');
  });

  it('name the task an agent holds an active lease on, and nothing once it is released', () => {
    writeTx(db, () => {
      db.prepare(`INSERT INTO agents (id, name, role, group_id, tier) VALUES ('bob', 'Bob', 'project', 'g', 2)`).run();
      db.prepare(`INSERT INTO tasks (id, title, status, priority, created_by, group_id) VALUES ('t1', 'Fix it', 'progress', 'high', 'admin', 'g')`).run();
      db.prepare(`INSERT INTO task_leases (task_id, agent_id, duration, expires_at) VALUES ('t1', 'bob', 60, 9999999999)`).run();
    });
    expect(claimedTaskOf(db, 'bob')).toEqual({ id: 't1', title: 'Fix it' });
    writeTx(db, () => db.prepare(`UPDATE task_leases SET state = 'released'`).run());
    expect(claimedTaskOf(db, 'bob')).toBeUndefined();
  });
});
