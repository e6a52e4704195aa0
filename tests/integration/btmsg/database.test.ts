import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION } from '../../../src/db/migrations/index.js';
import { ROOT, type RunResult, btmsg, btmsgAsync, json, seedTeam, tempDb } from '../../helpers/cli.js';
import { IS_ROOT, NOBODY, type Unprivileged, unprivileged } from '../../helpers/unprivileged.js';
import { waitFor } from '../../helpers/wait.js';

/** A refusal is one error line, optionally followed by one hint line. */
function expectOneLineError(r: RunResult, message: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  expect(lines[0]).toMatch(/^btmsg: /);
  expect(lines[0]).toMatch(message);
  if (lines[1] !== undefined) expect(lines[1]).toMatch(/^ {2}hint: /);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

function rows(db: string, sql: string): unknown[] {
  const h = new Database(db, { readonly: true });
  try {
    return h.prepare(sql).all();
  } finally {
    h.close();
  }
}

describe('btmsg with a bad --db', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it('refuses a directory and leaves it empty', () => {
    const dir = join(t.dir, 'data');
    mkdirSync(dir);
    const r = btmsg(['--db', dir, 'status'], { as: 'admin' });
    expect(r.code).toBe(1);
    expectOneLineError(r, /is a directory, not a database file/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file that is not SQLite and leaves its bytes unchanged', () => {
    const notes = join(t.dir, 'notes.db');
    const bytes = Buffer.from('# my notes\nnothing to see here\n'.repeat(500));
    writeFileSync(notes, bytes);
    const r = btmsg(['--db', notes, 'register', 'alice', 'Alice', 'project', 'demo'], { as: 'admin' });
    expect(r.code).toBe(1);
    expectOneLineError(r, /notes\.db is not an SQLite database; refusing to touch it/);
    expect(readFileSync(notes).equals(bytes)).toBe(true);
    expect(readdirSync(t.dir)).toEqual(['notes.db']);
  });

  it('refuses a file with the SQLite header but garbage after it, and leaves it unchanged', () => {
    const bad = join(t.dir, 'broken.db');
    const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(8000, 0xa5)]);
    writeFileSync(bad, bytes);
    const r = btmsg(['--db', bad, 'status'], { as: 'admin' });
    expect(r.code).toBe(1);
    expectOneLineError(r, /not an SQLite database|corrupt/);
    expect(readFileSync(bad).equals(bytes)).toBe(true);
  });

  it('refuses a path whose directory does not exist instead of creating it', () => {
    const r = btmsg(['--db', join(t.dir, 'no', 'such', 'agor.db'), 'status'], { as: 'admin' });
    expect(r.code).toBe(1);
    expectOneLineError(r, /directory .*no\/such does not exist/);
    expect(existsSync(join(t.dir, 'no'))).toBe(false);
  });

  it('reports the error as JSON on stderr with --json', () => {
    const dir = join(t.dir, 'data');
    mkdirSync(dir);
    const r = btmsg(['--db', dir, 'status', '--json'], { as: 'admin' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'failure', exit: 1, message: `${dir} is a directory, not a database file` } });
  });
});

describe('btmsg on a read-only location', () => {
  // As root, file permissions are tested as nobody, on a copy of the binaries nobody can reach.
  let as: Unprivileged;
  beforeAll(() => {
    as = unprivileged();
    if (as.skip) process.stderr.write(`skipping the read-only location tests: ${as.skip}\n`);
  });
  afterAll(() => as.cleanup());
  const btmsgUnprivileged = (args: string[], env: Record<string, string>) => as.run('btmsg', args, env);
  let t: ReturnType<typeof tempDb>;
  beforeEach((ctx) => {
    if (as.skip) ctx.skip();
    t = tempDb();
    // The unprivileged user must be able to reach the test directory.
    chmodSync(t.dir, 0o755);
  });
  afterEach(() => t?.cleanup());

  it('refuses to create a database in a directory it cannot write, and creates nothing', () => {
    const ro = join(t.dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const db = join(ro, 'agor.db');
    const r = btmsgUnprivileged(['register', 'alice', 'Alice', 'project', 'demo'], { AGOR_DB: db });
    expect(r.code).toBe(1);
    expectOneLineError(r, /cannot open database|read-only|permission/i);
    expect(r.stderr).toContain(db);
    expect(readdirSync(ro)).toEqual([]);
  });

  it('still answers reads from a read-only database but refuses writes, changing nothing', () => {
    const home = join(t.dir, 'home');
    mkdirSync(home);
    const db = join(home, 'agor.db');
    seedTeam(db);
    btmsg(['send', 'bob', 'before the lock-down'], { db, as: 'alice' });
    if (IS_ROOT) {
      chownSync(home, NOBODY, NOBODY);
      chownSync(db, NOBODY, NOBODY);
    }
    chmodSync(db, 0o400);
    const before = readFileSync(db);

    const status = btmsgUnprivileged(['status', '--json'], { AGOR_DB: db });
    expect(status.code, status.stderr).toBe(0);
    expect(json<{ id: string }[]>(status).map((a) => a.id)).toEqual(['admin', 'boss', 'alice', 'bob']);

    const send = btmsgUnprivileged(['send', 'bob', 'after the lock-down'], { AGOR_DB: db, BTMSG_AGENT_ID: 'alice' });
    expect(send.code).toBe(1);
    expectOneLineError(send, /database is read-only/);

    expect(readFileSync(db).equals(before)).toBe(true);
    expect(rows(db, 'SELECT content FROM messages')).toEqual([{ content: 'before the lock-down' }]);
  });
});

describe('btmsg on a database from a newer agor', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it('refuses a file whose schema version is newer, naming both versions, and leaves it untouched', () => {
    seedTeam(t.db);
    const h = new Database(t.db);
    h.pragma(`user_version = ${LATEST_VERSION + 1}`);
    h.close();
    const before = readFileSync(t.db);
    for (const args of [['status'], ['send', 'bob', 'hi'], ['inbox']]) {
      const r = btmsg(args, { db: t.db, as: 'alice' });
      expect(r.code, args.join(' ')).toBe(1);
      expectOneLineError(r, new RegExp(`has schema version ${LATEST_VERSION + 1}, newer than this agor understands \\(${LATEST_VERSION}\\)`));
      expect(r.stderr).toContain('upgrade agor');
    }
    expect(readFileSync(t.db).equals(before)).toBe(true);
    expect(readdirSync(t.dir)).toEqual(['agor.db']);
  });

  it('does not switch a newer rollback-journal file to WAL', () => {
    const h = new Database(t.db);
    h.pragma('journal_mode = DELETE');
    h.exec(`CREATE TABLE future_things (x TEXT); INSERT INTO future_things VALUES ('from the future')`);
    h.pragma('user_version = 99');
    h.close();
    const before = readFileSync(t.db);
    const r = btmsg(['status'], { db: t.db, as: 'admin' });
    expect(r.code).toBe(1);
    expectOneLineError(r, /schema version 99/);
    expect(readFileSync(t.db).equals(before)).toBe(true);
  });
});

describe('btmsg on a database locked by a long writer', () => {
  let t: ReturnType<typeof tempDb>;
  let holder: Database.Database | undefined;
  beforeEach(() => {
    t = tempDb();
    seedTeam(t.db);
  });
  afterEach(() => {
    if (holder?.inTransaction) holder.exec('ROLLBACK');
    holder?.close();
    holder = undefined;
    t.cleanup();
  });

  const inbox = () => json<{ content: string }[]>(btmsg(['inbox', '--json'], { db: t.db, as: 'bob' }));

  it('waits for the busy timeout, then fails with exit 7 and a "locked" message; a later send succeeds', async () => {
    holder = new Database(t.db);
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const r = await btmsgAsync(['send', 'bob', 'while locked'], { db: t.db, as: 'alice', env: { AGOR_BUSY_TIMEOUT: '500' } });
    const waited = Date.now() - started;
    expect(r.code).toBe(7);
    expectOneLineError(r, /database is locked/);
    expect(r.stderr).toContain('AGOR_BUSY_TIMEOUT');
    expect(waited).toBeGreaterThanOrEqual(450);

    holder.exec('COMMIT');
    const again = await btmsgAsync(['send', 'bob', 'after the lock'], { db: t.db, as: 'alice', env: { AGOR_BUSY_TIMEOUT: '500' } });
    expect(again.code, again.stderr).toBe(0);
    expect(inbox().map((m) => m.content)).toEqual(['after the lock']);
  });

  it('goes through when the writer lets go within the busy timeout', async () => {
    holder = new Database(t.db);
    holder.exec('BEGIN IMMEDIATE');
    const pending = btmsgAsync(['send', 'bob', 'patient'], { db: t.db, as: 'alice', env: { AGOR_BUSY_TIMEOUT: '20000' } });
    await new Promise((r) => setTimeout(r, 1500));
    holder.exec('COMMIT');
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(inbox().map((m) => m.content)).toEqual(['patient']);
  });

  it('keeps answering reads while another process holds the write lock', async () => {
    holder = new Database(t.db);
    holder.exec('BEGIN IMMEDIATE');
    const r = await btmsgAsync(['status', '--json'], { db: t.db, env: { AGOR_BUSY_TIMEOUT: '500' } });
    expect(r.code, r.stderr).toBe(0);
    expect(json<unknown[]>(r)).toHaveLength(4);
  });
});

describe('where btmsg finds the database', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it('uses $XDG_DATA_HOME/agor/agor.db when neither --db nor AGOR_DB is given, creating the directory', () => {
    const xdg = join(t.dir, 'xdg');
    const env = { XDG_DATA_HOME: xdg };
    const r = btmsg(['register', 'alice', 'Alice', 'project', 'demo'], { env });
    expect(r.code, r.stderr).toBe(0);
    const file = join(xdg, 'agor', 'agor.db');
    expect(existsSync(file)).toBe(true);
    expect(rows(file, `SELECT id FROM agents WHERE id = 'alice'`)).toEqual([{ id: 'alice' }]);
    expect(json<{ id: string }[]>(btmsg(['status', '--json'], { env })).map((a) => a.id)).toEqual(['admin', 'alice']);
  });

  it('uses AGOR_DB over the default path', () => {
    const xdg = join(t.dir, 'xdg');
    expect(btmsg(['register', 'alice', 'Alice', 'project', 'demo'], { db: t.db, env: { XDG_DATA_HOME: xdg } }).code).toBe(0);
    expect(existsSync(t.db)).toBe(true);
    expect(existsSync(xdg)).toBe(false);
  });

  it('uses --db over AGOR_DB', () => {
    const other = join(t.dir, 'other.db');
    const r = btmsg(['--db', other, 'register', 'alice', 'Alice', 'project', 'demo'], { db: t.db });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(t.db)).toBe(false);
    expect(rows(other, `SELECT id FROM agents WHERE id = 'alice'`)).toEqual([{ id: 'alice' }]);
    // The option also works after the verb.
    expect(json<{ id: string }[]>(btmsg(['status', '--json', '--db', other], { db: t.db })).map((a) => a.id)).toEqual(['admin', 'alice']);
    expect(existsSync(t.db)).toBe(false);
  });
});

describe('who can read the database', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
    // A team directory others may enter, as in the case of a shared checkout.
    chmodSync(t.dir, 0o755);
  });
  afterEach(() => t.cleanup());

  /** btmsg under the usual umask of 022, which would make new files world-readable. */
  const underUmask022 = (args: string[], as?: string) =>
    spawn('sh', ['-c', 'umask 022; exec "$0" "$@"', process.execPath, join(ROOT, 'dist', 'btmsg.cjs'), ...args], {
      env: { ...process.env, NO_COLOR: '1', AGOR_DB: t.db, ...(as ? { BTMSG_AGENT_ID: as } : { BTMSG_AGENT_ID: '' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const finish = (c: ReturnType<typeof spawn>) =>
    new Promise<RunResult>((resolve) => {
      let stdout = '';
      let stderr = '';
      c.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      c.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  it('creates the database, its -wal and its -shm for their owner only under a umask of 022, so another user cannot read them', async () => {
    for (const [id, role] of [
      ['boss', 'manager'],
      ['alice', 'project'],
    ]) {
      const r = await finish(underUmask022(['register', id!, id!, role!, 'demo']));
      expect(r.code, r.stderr).toBe(0);
    }
    // A waiting reader keeps the database open, so the -wal and -shm stay while we look.
    const waiter = underUmask022(['wait', '--timeout', '120'], 'alice');
    const waited = finish(waiter);
    try {
      await waitFor(
        'the waiting reader to open the database',
        () => existsSync(`${t.db}-shm`),
        (x) => x,
        { timeout: 30_000, interval: 50 },
      );
      const sent = await finish(underUmask022(['send', 'boss', 'for the team only'], 'admin'));
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stderr).toBe('');
      const files = [t.db, `${t.db}-wal`, `${t.db}-shm`];
      for (const f of files) expect([f, (statSync(f).mode & 0o777).toString(8)]).toEqual([f, '600']);
      if (IS_ROOT) {
        for (const f of files) {
          const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'head', '-c', '16', f], { encoding: 'utf8' });
          expect([f, r.status, r.stderr]).toEqual([f, 1, expect.stringMatching(/Permission denied/)]);
        }
      }
    } finally {
      waiter.kill('SIGKILL');
      await waited;
    }
  });

  it('warns once on stderr, and carries on, when an existing database can be read by other users', () => {
    seedTeam(t.db);
    chmodSync(t.db, 0o644);
    const r = btmsg(['status', '--json'], { db: t.db });
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ id: string }[]>(r).map((a) => a.id)).toEqual(['admin', 'boss', 'alice', 'bob']);
    expect(r.stderr).toBe(`btmsg: warning: ${t.db} can be read by other users (mode 0644); to make it private: chmod 600 ${t.db}\n`);
    chmodSync(t.db, 0o600);
    expect(btmsg(['status'], { db: t.db }).stderr).toBe('');
  });
});
