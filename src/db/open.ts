import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../cli/errors.js';
import { translateDbError } from './errors.js';
import { LATEST_VERSION, migrations } from './migrations/index.js';
import { resolveDbPath } from './path.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** `--db` value; falls back to $AGOR_DB and the default path. */
  path?: string;
  /** Milliseconds to wait for another writer; default $AGOR_BUSY_TIMEOUT or 5000. */
  busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Throws unless `path` is absent, empty, or starts with the SQLite header. Never writes. */
function checkExistingFile(path: string): boolean {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new UserError(`cannot read database ${path}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new UserError(`${path} is a directory, not a database file`, 'pass --db with a file path');
  if (!st.isFile()) throw new UserError(`${path} is not a regular file`, 'pass --db with a file path');
  if (st.size === 0) return true;
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
  return true;
}

function busyTimeout(opt?: number): number {
  if (opt !== undefined) return opt;
  const env = Number(process.env.AGOR_BUSY_TIMEOUT);
  return Number.isFinite(env) && env >= 0 ? env : 5000;
}

/**
 * Opens (creating if needed) the shared agor database: WAL, busy timeout, foreign
 * keys, NORMAL sync, and migrations up to this binary's schema version.
 */
export function openDb(opts: OpenOptions = {}): Db {
  const { path, isDefault } = resolveDbPath(opts.path);
  const existed = checkExistingFile(path);
  if (!existed) {
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
  }
  let db: Db | undefined;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${busyTimeout(opts.busyTimeoutMs)}`);
    // Before anything writes: switching a rollback-journal file to WAL rewrites its header.
    refuseNewer(db, path);
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (e) {
    db?.close();
    throw translateDbError(e, path) ?? e;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(db: Db, path: string): void {
  const version = schemaVersion(db);
  if (version > LATEST_VERSION) {
    throw new UserError(
      `${path} has schema version ${version}, newer than this agor understands (${LATEST_VERSION})`,
      'upgrade agor; the file was left untouched',
    );
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

/** Runs `fn` in one BEGIN IMMEDIATE transaction: the only way domain code writes. */
export function writeTx<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
