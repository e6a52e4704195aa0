import { Exit, UserError } from '../core/errors.js';
import { migrations } from './migrations/index.js';
import { tablesWithColumn } from './migrations/reconcile.js';

interface SqliteLike {
  code?: unknown;
  message?: unknown;
}

/** A writer that gave up waiting for the write lock (exit 7). */
class BusyError extends UserError {}

/**
 * Whether `err` is SQLite saying another connection holds a lock we need (SQLITE_BUSY*,
 * SQLITE_LOCKED*), or writeTx giving up after its wait: either way, trying later may work.
 */
export function isBusy(err: unknown): boolean {
  if (err instanceof BusyError) return true;
  const code = String((err as SqliteLike | undefined)?.code ?? '');
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** A writer gave up after waiting `waitedMs` for the write lock. */
export function busyError(waitedMs: number, path?: string): UserError {
  return new BusyError(
    `database is locked${path ? ` (${path})` : ''}: waited ${(waitedMs / 1000).toFixed(1)} s for other processes' writes to finish`,
    'try again; set AGOR_BUSY_TIMEOUT (milliseconds) to wait longer',
    Exit.BUSY,
  );
}

/**
 * Turns a SQLite error into a UserError with a hint, or returns undefined for
 * errors that are bugs (constraint violations in our own SQL, and so on).
 */
export function translateDbError(err: unknown, path?: string): UserError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = String((err as SqliteLike).code ?? '');
  const where = path ? ` (${path})` : '';
  if (isBusy(err)) {
    return new UserError(
      `database is locked${where}: another process kept it busy for longer than the busy timeout`,
      'try again; set AGOR_BUSY_TIMEOUT (milliseconds) to wait longer',
      Exit.BUSY,
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new UserError(`database is read-only${where}`, 'check the permissions of the file and its directory');
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new UserError(`cannot open database${where}`, 'check that the directory exists and is writable');
  }
  if (code === 'SQLITE_NOTADB') {
    return new UserError(`not an SQLite database${where}; refusing to touch it`, 'pass --db with the path of an agor database');
  }
  if (code === 'SQLITE_CORRUPT') {
    return new UserError(`database is corrupt${where}`, 'restore it from a backup, or try: sqlite3 FILE ".recover"');
  }
  if (code === 'SQLITE_FULL') {
    return new UserError(`disk full while writing the database${where}`, 'free some space and try again');
  }
  if (code === 'SQLITE_ERROR') return schemaMismatch(String((err as SqliteLike).message), where);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    // agor's own schema has no foreign keys: these come from tables the earlier tools made.
    return new UserError(
      `database refused the change${where}: a foreign key of a table the earlier btmsg/bttask tools made points at a row that does not exist`,
      'those tables require every agent id to be a registered agent (btmsg status lists them; btmsg register adds one)',
    );
  }
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) {
    return new UserError(`I/O error on the database${where}: ${String((err as SqliteLike).message)}`);
  }
  return undefined;
}

const MISMATCH_HINT = (table: string) =>
  `the file was changed after agor migrated it; sqlite3 FILE '.schema ${table}' shows the table: restore what is missing, or the file from a backup`;

/**
 * A statement that names a column or table the file lacks: the file's schema is not the
 * one agor made or migrated to (a table altered by hand, or by another program after
 * the migration). Names the table and the column; the rest of SQLITE_ERROR are bugs.
 */
function schemaMismatch(message: string, where: string): UserError | undefined {
  let m = /^table (\S+) has no column named (\S+)/.exec(message);
  if (m) return new UserError(`database schema mismatch${where}: table ${m[1]} has no column ${m[2]}`, MISMATCH_HINT(m[1]!));
  m = /^no such column: (?:\S+\.)?(\S+)/.exec(message);
  if (m) {
    const column = m[1]!;
    // SQLite does not say which table; the ones that should have the column do.
    const tables = tablesWithColumn(
      column,
      migrations.map((m) => m.up),
    );
    const table = tables.length === 1 ? tables[0]! : null;
    const what = table
      ? `table ${table} has no column ${column}`
      : tables.length
        ? `one of the tables ${tables.join(', ')} has no column ${column}`
        : `no column ${column}`;
    return new UserError(`database schema mismatch${where}: ${what}`, MISMATCH_HINT(table ?? 'TABLE'));
  }
  m = /^no such table: (?:main\.)?(\S+)/.exec(message);
  if (m) return new UserError(`database schema mismatch${where}: table ${m[1]} is missing`, MISMATCH_HINT(m[1]!));
  return undefined;
}
