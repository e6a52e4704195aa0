import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setBusyTimeout } from '../../../src/db/open.js';
import { type Db, openDb } from '../../../src/db/open.js';
import { WriteQueue } from '../../../src/supervisor/writes.js';
import { tempDb } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';

describe('WriteQueue', () => {
  let t: ReturnType<typeof tempDb>;
  let mine: Db;
  let other: Db;
  let log: string[];
  let q: WriteQueue;
  const rows = () =>
    mine
      .prepare('SELECT v FROM t ORDER BY rowid')
      .all()
      .map((r) => (r as { v: string }).v);
  const insert = (v: string) => () => void mine.prepare('INSERT INTO t (v) VALUES (?)').run(v);

  beforeEach(() => {
    t = tempDb();
    mine = openDb({ path: t.db });
    mine.exec('CREATE TABLE t (k TEXT UNIQUE, v TEXT)');
    other = openDb({ path: t.db });
    // Refused at once while the other connection holds the lock, as the supervisor's would be after its short wait.
    setBusyTimeout(mine, 10);
    log = [];
    q = new WriteQueue({ log: (l) => log.push(l), minDelayMs: 20, maxDelayMs: 50 });
  });
  afterEach(() => {
    q.close();
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    mine.close();
    t.cleanup();
  });

  it('writes at once when the database is free', () => {
    expect(q.write('a', insert('a'))).toBe(true);
    expect(q.size).toBe(0);
    expect(rows()).toEqual(['a']);
  });

  it('keeps writes refused as busy, in their order, and records each once the lock is gone', async () => {
    other.exec('BEGIN IMMEDIATE');
    expect(q.write('a', insert('a'))).toBe(false);
    expect(q.write('b', insert('b'))).toBe(false);
    expect(q.size).toBe(2);
    expect(rows()).toEqual([]);
    // Retries go on from the event loop while the lock is held.
    await new Promise((r) => setTimeout(r, 150));
    expect(q.size).toBe(2);
    other.exec('ROLLBACK');
    await waitFor(
      'the queue to empty',
      () => q.size,
      (n) => n === 0,
      { timeout: 5000, interval: 10 },
    );
    expect(rows()).toEqual(['a', 'b']);
    expect(log.join('\n')).toMatch(/database busy.*\n.*caught up/);
  });

  it('replaces a waiting write with a newer one of the same key', async () => {
    const put = (v: string) => () => void mine.prepare('INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)').run('state', v);
    other.exec('BEGIN IMMEDIATE');
    q.write('old', put('old'), 'state');
    q.write('other', insert('x'));
    q.write('new', put('new'), 'state');
    expect(q.size).toBe(2);
    expect(q.has('state')).toBe(true);
    other.exec('ROLLBACK');
    expect(q.flush()).toBe(true);
    expect(rows()).toEqual(['x', 'new']);
  });

  it('logs and drops a write that fails for another reason than busy, and goes on with the next', () => {
    expect(
      q.write('a broken write', () => {
        throw new Error('no such column: nope');
      }),
    ).toBe(true);
    expect(q.write('b', insert('b'))).toBe(true);
    expect(rows()).toEqual(['b']);
    expect(log).toEqual([expect.stringMatching(/could not record a broken write: Error: no such column: nope/)]);
  });

  it('drain gives up after its time while the lock stays held, and keeps what waits', async () => {
    other.exec('BEGIN IMMEDIATE');
    q.write('a', insert('a'));
    const t0 = Date.now();
    expect(await q.drain(200)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(q.size).toBe(1);
    other.exec('ROLLBACK');
    expect(await q.drain(2000)).toBe(true);
    expect(rows()).toEqual(['a']);
  });
});
