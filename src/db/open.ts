import Database from 'better-sqlite3';
import { type Stats, closeSync, fchmodSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.js';
import { busyError, isBusy, translateDbError } from './errors.js';
import { LATEST_VERSION, migrations } from './migrations/index.js';
import { resolveDbPath } from './path.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** `--db` value; falls back to $AGOR_DB and the default path. */
  path?: string;
  /** Milliseconds to wait for another writer; default $AGOR_BUSY_TIMEOUT or DEFAULT_BUSY_TIMEOUT_MS. */
  busyTimeoutMs?: number;
  /**
   * Where the one-line warning about a file other users can read goes; without it there
   * is none (this layer never prints: the CLI passes its stderr writer).
   */
  warn?: (message: string) => void;
}

/**
 * How long a writer waits for the write lock by default. A short-lived CLI that waits
 * is better than a lost message: 64 agents sending at once on 2 loaded cores queue for
 * seconds, not minutes.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 60_000;

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Throws unless `path` is absent, empty, or starts with the SQLite header. Never writes. */
function checkExistingFile(path: string): Stats | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read database ${path}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new UserError(`${path} is a directory, not a database file`, 'pass --db with a file path');
  if (!st.isFile()) throw new UserError(`${path} is not a regular file`, 'pass --db with a file path');
  if (st.size === 0) return st;
  const buf = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, buf, 0, 16, 0);
  } catch (e) {
    throw new UserError(`cannot read database ${path}: ${(e as Error).message}`, 'check its permissions');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (buf.toString('latin1') !== SQLITE_MAGIC) {
    throw new UserError(`${path} is not an SQLite database; refusing to touch it`, 'pass --db with the path of an agor database');
  }
  return st;
}

/** $AGOR_BUSY_TIMEOUT in milliseconds, or undefined when it is unset or not a number. */
export function envBusyTimeout(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.AGOR_BUSY_TIMEOUT;
  const ms = Number(raw);
  return raw && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function busyTimeout(opt?: number): number {
  return opt ?? envBusyTimeout() ?? DEFAULT_BUSY_TIMEOUT_MS;
}

/**
 * Creates an empty database file only its owner can read, whatever the umask: SQLite
 * gives the -wal and -shm it creates later the mode of this file.
 */
function createPrivate(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    // Another process created it first; it made it the same way.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new UserError(`cannot create database ${path}: ${(e as Error).message}`, 'check the permissions of its directory');
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

const warned = new Set<string>();

/** Once per process and file: says so when the database or its -wal/-shm can be read by other users. */
function warnIfShared(path: string, st: Stats, warn: ((message: string) => void) | undefined): void {
  if (!warn || warned.has(path)) return;
  const open = [[path, st.mode] as const];
  for (const f of [`${path}-wal`, `${path}-shm`]) {
    const s = statSync(f, { throwIfNoEntry: false });
    if (s) open.push([f, s.mode]);
  }
  const shared = open.filter(([, mode]) => mode & 0o044);
  if (!shared.length) return;
  warned.add(path);
  const [first, mode] = shared[0]!;
  const message = `${first} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); to make it private: chmod 600 ${shared.map(([f]) => f).join(' ')}`;
  warn(message);
}

/**
 * Opens (creating if needed) the shared agor database: WAL, busy timeout, foreign
 * keys, NORMAL sync, and migrations up to this binary's schema version.
 */
export function openDb(opts: OpenOptions = {}): Db {
  const { path, isDefault } = resolveDbPath(opts.path);
  const existing = checkExistingFile(path);
  if (existing) warnIfShared(path, existing, opts.warn);
  else {
    const dir = dirname(path);
    if (isDefault) mkdirSync(dir, { recursive: true, mode: 0o700 });
    else {
      let st;
      try {
        st = statSync(dir);
      } catch {
        throw new UserError(`directory ${dir} does not exist`, 'create it first, or pass --db with another path');
      }
      if (!st.isDirectory()) throw new UserError(`${dir} is not a directory`);
    }
    createPrivate(path);
  }
  let db: Db | undefined;
  try {
    db = new Database(path);
    setBusyTimeout(db, busyTimeout(opts.busyTimeoutMs));
    // Before anything writes: switching a rollback-journal file to WAL rewrites its header.
    refuseNewer(db, path);
    useWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (e) {
    db?.close();
    throw translateDbError(e, path) ?? e;
  }
}

/**
 * Opens an existing agor database for reading only, as the dashboard does: no migration,
 * no switch to WAL, and SQLite itself refuses every write on the connection. A missing file
 * is an error, never created (openDb creates and migrates). Reads see a WAL file's
 * committed state while other processes write; `busyTimeoutMs` as in openDb.
 */
export function openReadOnly(opts: Pick<OpenOptions, 'path' | 'busyTimeoutMs'> = {}): Db {
  const { path } = resolveDbPath(opts.path);
  if (!checkExistingFile(path)) throw new UserError(`no database at ${path}`, 'any btmsg, bttask or agor command creates it; or pass --db with another path');
  let db: Db | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    setBusyTimeout(db, busyTimeout(opts.busyTimeoutMs));
    refuseNewer(db, path);
    return db;
  } catch (e) {
    db?.close();
    throw translateDbError(e, path) ?? e;
  }
}

/**
 * A number that changes when another connection commits to the file (PRAGMA data_version):
 * one page read, so a reader can poll it to learn that there is something new to read.
 */
export const dataVersion = (db: Db): number => db.pragma('data_version', { simple: true }) as number;

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(db: Db, path: string): void {
  const version = schemaVersion(db);
  if (version > LATEST_VERSION) {
    throw new UserError(`${path} has schema version ${version}, newer than this agor understands (${LATEST_VERSION})`, 'upgrade agor; the file was left untouched');
  }
}

function migrate(db: Db, path: string): void {
  // openDb refused a newer file a moment ago; a current file costs this one read.
  let version = schemaVersion(db);
  if (version === migrations[migrations.length - 1]!.version) return;
  refuseNewer(db, path);
  for (const m of migrations) {
    if (m.version <= version) continue;
    db.transaction(() => {
      // Another process may have migrated while we waited for the write lock.
      if (schemaVersion(db) >= m.version) return;
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    version = m.version;
  }
}

const caches = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per connection. */
export function stmt<R = unknown>(db: Db, sql: string): Database.Statement<unknown[], R> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) cache.set(sql, (s = db.prepare(sql)));
  return s as Database.Statement<unknown[], R>;
}

const waits = new WeakMap<Db, number>();

/**
 * Sets how long this connection waits for another writer, in reads and in writeTx.
 * better-sqlite3 is synchronous, so the wait blocks the whole process: a long-lived
 * process that must keep answering (the supervisor) waits briefly and retries later.
 */
export function setBusyTimeout(db: Db, ms: number): void {
  const wait = Math.max(0, Math.floor(ms));
  waits.set(db, wait);
  db.pragma(`busy_timeout = ${wait}`);
}
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleepMs = (ms: number) => Atomics.wait(sleeper, 0, 0, ms);

/**
 * Milliseconds to sleep before the next try for the write lock. Waiters that have waited
 * longer try more often, so the lock tends to go to the oldest: SQLite's own busy handler
 * does the opposite (its sleeps grow to 100 ms while a newcomer tries at once), which
 * starved early waiters past any timeout under 64 concurrent writers.
 */
export function backoffMs(attempt: number, waitedMs: number): number {
  const cap = attempt < 3 ? 2 << attempt : waitedMs < 1000 ? 24 : waitedMs < 4000 ? 10 : 4;
  return cap / 2 + Math.random() * (cap / 2);
}

/**
 * Switches the file to WAL, once, when it is new or was made by an earlier tool. The switch
 * needs the file to itself and SQLite answers SQLITE_BUSY at once, without its busy handler,
 * when another process has it open: two processes opening a brand-new file raced here.
 * So it is retried like a writer's BEGIN, within the connection's busy timeout.
 */
function useWal(db: Db): void {
  const limit = waits.get(db) ?? busyTimeout();
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      const waited = Date.now() - started;
      if (!isBusy(e) || waited >= limit) throw e;
      sleepMs(Math.min(backoffMs(attempt, waited), limit - waited));
    }
  }
}

/**
 * Runs `fn` in one BEGIN IMMEDIATE transaction: the only way domain code writes. Waits
 * for the write lock up to the connection's busy timeout, retrying BEGIN itself with
 * jittered back-off (see backoffMs) rather than in SQLite's busy handler. Keep `fn` short
 * and compute what you can before calling: every other writer waits while it runs.
 */
export function writeTx<T>(db: Db, fn: () => T): T {
  // Nested: a savepoint inside the caller's transaction, which holds the lock already.
  if (db.inTransaction) return db.transaction(fn).immediate();
  let entered = false;
  const tx = db.transaction(() => {
    entered = true;
    return fn();
  });
  const limit = waits.get(db) ?? busyTimeout();
  const started = Date.now();
  // BEGIN must fail at once when the lock is taken, so that this loop does the waiting;
  // inside the transaction nothing else can be busy. (Not a cached statement: SQLite
  // applies this pragma when it compiles it, not when it runs.)
  db.pragma('busy_timeout = 0');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return tx.immediate();
      } catch (e) {
        if (entered || !isBusy(e)) throw e;
        const waited = Date.now() - started;
        if (waited >= limit) throw busyError(waited, db.name);
        sleepMs(Math.min(backoffMs(attempt, waited), limit - waited));
      }
    }
  } finally {
    db.pragma(`busy_timeout = ${limit}`);
  }
}
