import type { Db } from './open.js';

/** True for SQLite's "another connection holds the lock" errors (SQLITE_BUSY*, SQLITE_LOCKED*). */
export function isBusy(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = String((err as { code?: unknown }).code ?? '');
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * Sets how long this connection's statements wait for another writer. better-sqlite3 is
 * synchronous, so the wait blocks the whole process: a long-lived process that must keep
 * answering (the supervisor) waits briefly and retries later instead.
 */
export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}
