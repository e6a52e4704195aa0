import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface SqliteFacts {
  version: string;
  /** Whether a file here can be put in WAL mode (some network file systems cannot). */
  wal: boolean;
  /** Why not, when it cannot. */
  walWhy: string | null;
}

/** The SQLite agor is built with, and whether WAL works in `dir` (a scratch file is made and removed). */
export function sqliteFacts(dir: string = tmpdir()): SqliteFacts {
  const mem = new Database(':memory:');
  const version = (mem.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  mem.close();
  let scratch: string | null = null;
  try {
    scratch = mkdtempSync(join(dir, '.agor-doctor-'));
    const db = new Database(join(scratch, 'probe.db'));
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      return { version, wal: mode === 'wal', walWhy: mode === 'wal' ? null : `journal_mode stayed ${String(mode)}` };
    } finally {
      db.close();
    }
  } catch (e) {
    return { version, wal: false, walWhy: (e as Error).message };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** The journal mode of an existing database, read without changing anything; null when it cannot be opened. */
export function journalMode(path: string): string | null {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return String(db.pragma('journal_mode', { simple: true }));
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}
