import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Exit, UserError } from '../../../src/core/errors.js';
import { LEGACY_TABLES as LEGACY_SQL } from '../../../src/db/migrations/0001-legacy.js';
import { LEGACY_TABLE_NAMES } from '../../helpers/legacy.js';
import { LATEST_VERSION, migrations } from '../../../src/db/migrations/index.js';
import { DEFAULT_BUSY_TIMEOUT_MS, type Db, backoffMs, openDb, schemaVersion, stmt, writeTx } from '../../../src/db/open.js';
import { tempDb } from '../../helpers/cli.js';
import { userError } from '../../helpers/errors.js';

const tables = (db: Db) => (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);

/** The UserError `fn` throws; fails the test when it throws nothing or something else. */

describe('openDb', () => {
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

  it('creates a new file in WAL mode with foreign keys, NORMAL sync and a 60 s busy timeout', () => {
    const db = track(openDb({ path: t.db }));
    expect(existsSync(t.db)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(60_000);
  });

  it('migrates a new file to the latest schema with every legacy table and the operator', () => {
    const db = track(openDb({ path: t.db }));
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(tables(db)).toEqual(expect.arrayContaining(LEGACY_TABLE_NAMES));
    expect(db.prepare(`SELECT id, role, tier FROM agents`).all()).toEqual([{ id: 'admin', role: 'admin', tier: 0 }]);
  });

  it('takes the busy timeout from the option, else from AGOR_BUSY_TIMEOUT', () => {
    expect(track(openDb({ path: t.db, busyTimeoutMs: 1234 })).pragma('busy_timeout', { simple: true })).toBe(1234);
    const saved = process.env.AGOR_BUSY_TIMEOUT;
    process.env.AGOR_BUSY_TIMEOUT = '777';
    try {
      expect(track(openDb({ path: t.db })).pragma('busy_timeout', { simple: true })).toBe(777);
      process.env.AGOR_BUSY_TIMEOUT = 'soon';
      expect(track(openDb({ path: t.db })).pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
      process.env.AGOR_BUSY_TIMEOUT = '';
      expect(track(openDb({ path: t.db })).pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
    } finally {
      if (saved === undefined) delete process.env.AGOR_BUSY_TIMEOUT;
      else process.env.AGOR_BUSY_TIMEOUT = saved;
    }
  });

  it('reopens an up-to-date file without running migrations again or losing rows', () => {
    const a = track(openDb({ path: t.db }));
    a.prepare(`INSERT INTO agents (id, name, role, group_id) VALUES ('alice', 'Alice', 'project', 'g')`).run();
    a.close();
    const b = track(openDb({ path: t.db }));
    expect(schemaVersion(b)).toBe(LATEST_VERSION);
    expect(b.prepare(`SELECT id FROM agents ORDER BY id`).all()).toEqual([{ id: 'admin' }, { id: 'alice' }]);
  });

  it('initialises an empty existing file', () => {
    writeFileSync(t.db, '');
    const db = track(openDb({ path: t.db }));
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
  });

  it('migrates a file of an older schema version forward, keeping its rows', () => {
    const old = new Database(t.db);
    old.exec(LEGACY_SQL);
    old.prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id, read) VALUES ('m1', 'a', 'b', 'old words', 'g', 1)`).run();
    old.pragma('user_version = 1');
    old.close();
    const db = track(openDb({ path: t.db }));
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(db.prepare(`SELECT id, content, read, seen_at FROM messages`).all()).toEqual([{ id: 'm1', content: 'old words', read: 1, seen_at: null }]);
    // The full-text index was built over rows that existed before the migration.
    expect(db.prepare(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'words'`).all()).toHaveLength(1);
  });

  it('applies each migration in one transaction: a failing step leaves the previous version and no partial tables', () => {
    track(openDb({ path: t.db })).close();
    const broken = {
      version: LATEST_VERSION + 1,
      name: 'broken',
      up: `CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);`,
    };
    migrations.push(broken);
    try {
      expect(() => openDb({ path: t.db })).toThrow(/no_such_table/);
    } finally {
      migrations.pop();
    }
    const db = track(new Database(t.db, { readonly: true }));
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(tables(db)).not.toContain('half_done');
  });

  it('refuses a file whose schema is newer than this binary and leaves its bytes untouched', () => {
    // A rollback-journal file, as another tool might leave it: switching it to WAL would rewrite its header.
    const raw = new Database(t.db);
    raw.pragma('journal_mode = DELETE');
    raw.exec(`CREATE TABLE future (x); INSERT INTO future VALUES ('keep me')`);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    const before = readFileSync(t.db);
    const err = userError(() => openDb({ path: t.db }));
    expect(err.message).toContain(`schema version ${LATEST_VERSION + 5}`);
    expect(err.message).toContain(`newer than this agor understands (${LATEST_VERSION})`);
    expect(readFileSync(t.db).equals(before)).toBe(true);
  });

  it('refuses a directory given as the database path', () => {
    mkdirSync(join(t.dir, 'adir'));
    const err = userError(() => openDb({ path: join(t.dir, 'adir') }));
    expect(err.message).toMatch(/is a directory, not a database file/);
  });

  it('refuses a file that is not SQLite and never writes to it', () => {
    const notes = join(t.dir, 'notes.txt');
    const text = 'my precious notes\n'.repeat(100);
    writeFileSync(notes, text);
    const err = userError(() => openDb({ path: notes }));
    expect(err.message).toMatch(/is not an SQLite database; refusing to touch it/);
    expect(readFileSync(notes, 'utf8')).toBe(text);
    expect(existsSync(notes + '-wal')).toBe(false);
  });

  it('refuses an explicit path whose directory does not exist instead of creating it', () => {
    const path = join(t.dir, 'missing', 'agor.db');
    const err = userError(() => openDb({ path }));
    expect(err.message).toMatch(/directory .*missing does not exist/);
    expect(existsSync(join(t.dir, 'missing'))).toBe(false);
  });

  it('creates the default data directory, private to the user, when no path is given', () => {
    const saved = { xdg: process.env.XDG_DATA_HOME, db: process.env.AGOR_DB };
    process.env.XDG_DATA_HOME = join(t.dir, 'xdg');
    delete process.env.AGOR_DB;
    try {
      track(openDb());
      const dir = join(t.dir, 'xdg', 'agor');
      expect(existsSync(join(dir, 'agor.db'))).toBe(true);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      for (const [k, v] of [
        ['XDG_DATA_HOME', saved.xdg],
        ['AGOR_DB', saved.db],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('creates the database, its -wal and its -shm readable by their owner only, whatever the umask', () => {
    const saved = process.umask(0o000);
    try {
      const db = track(openDb({ path: t.db }));
      writeTx(db, () => db.prepare(`INSERT INTO contacts VALUES ('a', 'b')`).run());
      for (const f of [t.db, `${t.db}-wal`, `${t.db}-shm`]) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    } finally {
      process.umask(saved);
    }
  });

  it('says nothing when an existing database is private', () => {
    track(openDb({ path: t.db })).close();
    const said: string[] = [];
    track(openDb({ path: t.db, warn: (m) => said.push(m) }));
    expect(said).toEqual([]);
  });

  it('warns once per process, without refusing, when an existing database can be read by other users', () => {
    track(openDb({ path: t.db })).close();
    chmodSync(t.db, 0o644);
    const said: string[] = [];
    const db = track(openDb({ path: t.db, warn: (m) => said.push(m) }));
    track(openDb({ path: t.db, warn: (m) => said.push(m) }));
    expect(said).toEqual([`${t.db} can be read by other users (mode 0644); to make it private: chmod 600 ${t.db}`]);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    // Left as the user set it: the warning is advice, not a repair.
    expect(statSync(t.db).mode & 0o777).toBe(0o644);
  });

  // Root ignores permissions; the integration tests cover this case as an unprivileged user.
  it.skipIf(process.getuid?.() === 0)('turns a directory it cannot write into a clear error rather than a stack trace', () => {
    const ro = join(t.dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      const err = userError(() => openDb({ path: join(ro, 'agor.db') }));
      expect(err.message).toMatch(/cannot open database|read-only/);
    } finally {
      chmodSync(ro, 0o755);
    }
  });
});

describe('stmt', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it('compiles a statement once per connection and hands back the same one', () => {
    const a = openDb({ path: t.db });
    const b = openDb({ path: t.db });
    try {
      const s1 = stmt(a, 'SELECT count(*) AS n FROM agents');
      expect(stmt(a, 'SELECT count(*) AS n FROM agents')).toBe(s1);
      expect(stmt(b, 'SELECT count(*) AS n FROM agents')).not.toBe(s1);
      expect(stmt<{ n: number }>(b, 'SELECT count(*) AS n FROM agents').get()).toEqual({ n: 1 });
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('writeTx', () => {
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

  const count = () => (db.prepare(`SELECT count(*) AS n FROM contacts`).get() as { n: number }).n;

  it('commits what the function wrote and returns its result', () => {
    const r = writeTx(db, () => {
      db.prepare(`INSERT INTO contacts VALUES ('a', 'b')`).run();
      return 'done';
    });
    expect(r).toBe('done');
    expect(count()).toBe(1);
  });

  it('rolls everything back when the function throws', () => {
    expect(() =>
      writeTx(db, () => {
        db.prepare(`INSERT INTO contacts VALUES ('a', 'b')`).run();
        throw new UserError('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(count()).toBe(0);
    expect(db.inTransaction).toBe(false);
  });

  it('takes the write lock at BEGIN, before the first write, so other writers wait instead of racing', () => {
    const other = new Database(t.db);
    other.pragma('busy_timeout = 0');
    try {
      let otherResult = '';
      writeTx(db, () => {
        // Nothing written yet: a deferred transaction would not hold the lock here.
        try {
          other.exec('BEGIN IMMEDIATE');
          other.exec('ROLLBACK');
          otherResult = 'got the lock';
        } catch (e) {
          otherResult = String((e as { code?: string }).code);
        }
      });
      expect(otherResult).toBe('SQLITE_BUSY');
      other.exec('BEGIN IMMEDIATE');
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
  });

  it('gives up on a lock held past the busy timeout with the busy exit code, saying how long it waited', () => {
    const other = new Database(t.db);
    other.exec('BEGIN IMMEDIATE');
    const impatient = openDb({ path: t.db, busyTimeoutMs: 200 });
    let ran = false;
    try {
      const started = Date.now();
      const err = userError(() => writeTx(impatient, () => (ran = true)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(err.code).toBe(Exit.BUSY);
      expect(err.message).toMatch(/^database is locked \(.*agor\.db\): waited 0\.2 s for other processes' writes to finish$/);
      expect(err.hint).toMatch(/AGOR_BUSY_TIMEOUT/);
      expect(ran).toBe(false);
      // The connection keeps its busy timeout for everything else.
      expect(impatient.pragma('busy_timeout', { simple: true })).toBe(200);
    } finally {
      impatient.close();
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('goes through once another process lets go of the lock, running the function once', async () => {
    // The holder is another process, since this one sleeps synchronously while it waits.
    const { spawn } = await import('node:child_process');
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D=require('better-sqlite3');const d=new D(process.argv[1]);d.exec('BEGIN IMMEDIATE');console.log('held');setTimeout(()=>{d.exec('COMMIT');d.close()},700)`,
        t.db,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((r) => holder.stdout.once('data', r));
    let runs = 0;
    const started = Date.now();
    writeTx(db, () => {
      runs++;
      db.prepare(`INSERT INTO contacts VALUES ('a', 'b')`).run();
    });
    expect(Date.now() - started).toBeGreaterThan(300);
    expect(runs).toBe(1);
    expect(count()).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
    await new Promise((r) => (holder.exitCode !== null ? r(null) : holder.once('exit', r)));
  });

  it('runs a nested call inside the outer transaction without waiting for the lock it holds', () => {
    writeTx(db, () => {
      db.prepare(`INSERT INTO contacts VALUES ('a', 'b')`).run();
      writeTx(db, () => db.prepare(`INSERT INTO contacts VALUES ('b', 'a')`).run());
    });
    expect(count()).toBe(2);
  });

  it('does not retry a function that failed after taking the lock, even with a busy error', () => {
    let runs = 0;
    expect(() =>
      writeTx(db, () => {
        runs++;
        throw Object.assign(new Error('busy inside'), { code: 'SQLITE_BUSY' });
      }),
    ).toThrow('busy inside');
    expect(runs).toBe(1);
  });
});

describe('backoffMs', () => {
  it('starts with short sleeps, and tries more often the longer a writer has waited', () => {
    const most = (attempt: number, waited: number) => Math.max(...Array.from({ length: 200 }, () => backoffMs(attempt, waited)));
    const least = (attempt: number, waited: number) => Math.min(...Array.from({ length: 200 }, () => backoffMs(attempt, waited)));
    expect(most(0, 0)).toBeLessThanOrEqual(2);
    expect(most(10, 500)).toBeLessThanOrEqual(24);
    expect(most(10, 2000)).toBeLessThanOrEqual(10);
    expect(most(10, 10_000)).toBeLessThanOrEqual(4);
    // Jittered, so waiters that collided once do not collide again in step.
    expect(least(10, 500)).toBeGreaterThanOrEqual(12);
    expect(most(10, 500) - least(10, 500)).toBeGreaterThan(4);
  });
});
