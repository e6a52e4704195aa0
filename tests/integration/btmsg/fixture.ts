import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { ROOT, type RunOptions, type RunResult, btmsg, seedTeam, tempDb, ok, sql } from '../../helpers/cli.js';
import type { DeadLetter, Message } from '../../../src/msg/views.js';

export type { DeadLetter, Message };

export interface AuditEntry {
  id: number;
  agent: string;
  type: string;
  detail: Record<string, unknown> | null;
  created_at: string;
}

export type Call = (args: string[], o?: RunOptions) => RunResult;

const TEMPLATE_PREFIX = 'agor-btmsg-test-team-';

/**
 * A database holding seedTeam's boss, alice and bob (all contacts of each other) plus
 * carol, a project agent with no contacts, made through the binary. Seeding costs seven
 * spawns, so the file is made once per build of the binary and kept in the temp
 * directory, named after the bundle and the seeding helper it came from.
 */
function teamTemplate(): string {
  const bundle = statSync(join(ROOT, 'dist', 'btmsg.bundle.cjs'));
  const key = createHash('sha1')
    .update(`${bundle.mtimeMs}:${bundle.size}:`)
    .update(readFileSync(join(ROOT, 'tests', 'helpers', 'cli.ts')))
    .digest('hex')
    .slice(0, 16);
  const path = join(tmpdir(), `${TEMPLATE_PREFIX}${key}.db`);
  if (existsSync(path)) return path;
  const t = tempDb();
  try {
    seedTeam(t.db);
    const r = btmsg(['register', 'carol', 'Carol', 'project', 'demo'], { db: t.db });
    if (r.code !== 0) throw new Error(`register carol failed: ${r.stderr}`);
    // Fold the WAL into the main file so a plain copy is the whole database.
    sql(t.db, (db) => db.pragma('wal_checkpoint(TRUNCATE)'));
    // Templates of older builds are of no further use.
    for (const f of readdirSync(tmpdir())) {
      if (f.startsWith(TEMPLATE_PREFIX) && join(tmpdir(), f) !== path) rmSync(join(tmpdir(), f), { force: true });
    }
    // Rename is atomic: a parallel worker sees the whole file or none.
    copyFileSync(t.db, `${t.db}.copy`);
    renameSync(`${t.db}.copy`, path);
  } finally {
    t.cleanup();
  }
  return path;
}

/**
 * The team of every test in a file (see teamTemplate), copied to a fresh database file
 * before each test, so each test starts from a clean team without a dozen spawns.
 */
export function useTeam() {
  let template: ReturnType<typeof tempDb>;
  let current: ReturnType<typeof tempDb> | undefined;
  beforeAll(() => {
    // A private copy: a worker starting on a newer build may delete the shared one.
    template = tempDb();
    try {
      copyFileSync(teamTemplate(), template.db);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      copyFileSync(teamTemplate(), template.db);
    }
  });
  afterAll(() => template.cleanup());
  beforeEach(() => {
    current = tempDb();
    copyFileSync(template.db, current.db);
  });
  afterEach(() => current?.cleanup());

  const as =
    (agent: string | null): Call =>
    (args, o = {}) =>
      btmsg(args, { db: current!.db, as: agent, ...o });
  return {
    get db() {
      return current!.db;
    },
    get dir() {
      return current!.dir;
    },
    as,
    admin: as('admin'),
    boss: as('boss'),
    alice: as('alice'),
    bob: as('bob'),
    carol: as('carol'),
  };
}

export { ok, sql };

/** `from` sends `text` to `to` (--json) and returns the stored message. */
export function send(call: Call, to: string, text: string): Message {
  return ok<Message>(call(['send', to, text, '--json']));
}

/** The whole audit log, oldest first. */
export function auditLog(call: Call): AuditEntry[] {
  return ok<AuditEntry[]>(call(['audit', '--limit', '100000', '--json']));
}

/** The JSON error object a failing call with --json prints on stderr. */
export function jsonError(r: RunResult): { code: string; exit: number; message: string; hint?: string } {
  expect(r.stdout).toBe('');
  let parsed: { error: { code: string; exit: number; message: string; hint?: string } };
  try {
    parsed = JSON.parse(r.stderr);
  } catch {
    throw new Error(`stderr is not JSON (exit ${r.code}):\n${r.stderr}`);
  }
  expect(parsed.error.exit).toBe(r.code);
  return parsed.error;
}

/** Sets an agent's last heartbeat to `secondsAgo` seconds ago, directly in the table. */
export function heartbeatAgo(path: string, agent: string, secondsAgo: number): void {
  sql(path, (db) =>
    db
      .prepare('INSERT INTO heartbeats (agent_id, timestamp) VALUES (?, ?) ON CONFLICT(agent_id) DO UPDATE SET timestamp = excluded.timestamp')
      .run(agent, Math.floor(Date.now() / 1000) - secondsAgo),
  );
}

/** Counts rows of a table, for checking that a refused write stored nothing. */
export function count(path: string, table: 'messages' | 'dead_letter_queue'): number {
  return sql(path, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
}
