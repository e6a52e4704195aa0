import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface HeldLock {
  /** When the lock was taken and released (ms since the epoch), once they happened. */
  takenAt: number;
  released: Promise<number>;
  pid: number;
}

/**
 * Another process takes the database's write lock (BEGIN IMMEDIATE) and keeps it for
 * `ms`, as a long writer would: resolves once the lock is held.
 */
export async function holdWriteLock(db: string, ms: number): Promise<HeldLock> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1], { timeout: 60000 });
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('ROLLBACK'); db.close(); process.stdout.write('released\\n'); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, db, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: import.meta.dirname });
  let out = '';
  let takenAt = 0;
  let releasedAt = 0;
  child.stdout.setEncoding('utf8');
  const taken = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      if (!takenAt && out.includes('locked')) ((takenAt = Date.now()), resolve());
      if (!releasedAt && out.includes('released')) releasedAt = Date.now();
    });
    child.once('exit', (code) => (takenAt ? undefined : reject(new Error(`the lock holder exited (${code}) before taking the lock`))));
  });
  const released = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`the lock holder exited with ${code}`);
    return releasedAt || Date.now();
  });
  await taken;
  return { takenAt, released, pid: child.pid! };
}
