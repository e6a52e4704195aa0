import { Exit, UserError } from '../cli/errors.js';

interface SqliteLike {
  code?: unknown;
  message?: unknown;
}

/** Whether `err` is SQLite saying another connection holds a lock we need. */
export function isBusy(err: unknown): boolean {
  const code = String((err as SqliteLike | undefined)?.code ?? '');
  return code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED';
}

/** A writer gave up after waiting `waitedMs` for the write lock. */
export function busyError(waitedMs: number, path?: string): UserError {
  return new UserError(
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
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) {
    return new UserError(`I/O error on the database${where}: ${String((err as SqliteLike).message)}`);
  }
  return undefined;
}
