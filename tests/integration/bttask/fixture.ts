import { randomUUID } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { type RunOptions, type RunResult, btmsg, run, runAsync, tempDb, ok, sql } from '../../helpers/cli.js';
import type { TaskDetail } from '../../../src/task/board.js';
import type { Change, Comment, Task } from '../../../src/task/views.js';

export type { Change, Comment, Task, TaskDetail };

/** The documented exit codes, spelled out so a change to them fails these tests. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_FOUND: 3, NOT_PERMITTED: 4, CONFLICT: 5 } as const;

/** The test team: one agent per role, two reviewers and two project agents. */
export const TEAM = [
  ['boss', 'manager'],
  ['arch', 'architect'],
  ['rev', 'reviewer'],
  ['rev2', 'reviewer'],
  ['tes', 'tester'],
  ['alice', 'project'],
  ['bob', 'project'],
] as const;

export type Call = (args: string[], o?: RunOptions) => RunResult;
export type AsyncCall = (args: string[], o?: RunOptions) => Promise<RunResult>;

export interface Board {
  db: string;
  dir: string;
  /** bttask as this agent (null: BTMSG_AGENT_ID unset). */
  as: (agent: string | null) => Call;
  asAsync: (agent: string | null) => AsyncCall;
  /** btmsg as this agent (null: the operator at a plain shell). */
  msg: (agent: string | null) => Call;
  admin: Call;
  boss: Call;
  arch: Call;
  rev: Call;
  tes: Call;
  alice: Call;
  bob: Call;
}

export function boardOn(db: string, dir: string): Board {
  const as =
    (agent: string | null): Call =>
    (args, o = {}) =>
      run('bttask', args, { db, as: agent, ...o });
  return {
    db,
    dir,
    as,
    asAsync:
      (agent) =>
      (args, o = {}) =>
        runAsync('bttask', args, { db, as: agent, ...o }),
    msg:
      (agent) =>
      (args, o = {}) =>
        btmsg(args, { db, as: agent, ...o }),
    admin: as('admin'),
    boss: as('boss'),
    arch: as('arch'),
    rev: as('rev'),
    tes: as('tes'),
    alice: as('alice'),
    bob: as('bob'),
  };
}

/** Registers `agents` through btmsg, as the operator. */
export function register(db: string, agents: readonly (readonly [string, string])[]): void {
  for (const [id, role] of agents) {
    const r = btmsg(['register', id, id, role, 'demo'], { db });
    if (r.code !== 0) throw new Error(`register ${id} failed: ${r.stderr}`);
  }
}

/**
 * The team, registered once per file through the binary, then copied to a fresh database
 * file for each test that calls `fresh()` (safe in concurrent tests too).
 */
export function useTeam(agents: readonly (readonly [string, string])[] = TEAM) {
  let template: ReturnType<typeof tempDb>;
  const made: ReturnType<typeof tempDb>[] = [];
  beforeAll(() => {
    template = tempDb();
    register(template.db, agents);
    // Fold the WAL into the main file so a plain copy is the whole database.
    sql(template.db, (db) => db.pragma('wal_checkpoint(TRUNCATE)'));
  });
  afterAll(() => {
    for (const t of made) t.cleanup();
    template.cleanup();
  });
  return {
    fresh(): Board {
      const t = tempDb();
      made.push(t);
      copyFileSync(template.db, t.db);
      return boardOn(t.db, t.dir);
    },
  };
}

export { ok, sql };

/** Expects a refusal: the exit code, nothing on stdout, and `message` on stderr's first line. */
export function refused(r: RunResult, code: number, message: RegExp): void {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr.split('\n')[0] }).toEqual({
    code,
    stdout: '',
    stderr: expect.stringMatching(message),
  });
}

/** `call` creates a task (extra options allowed) and returns it. */
export function add(call: Call, title: string, ...opts: string[]): Task {
  return ok<Task>(call(['add', title, ...opts, '--json']));
}

export function detail(call: Call, id: string): TaskDetail {
  return ok<TaskDetail>(call(['show', id, '--json']));
}

export interface InboxMessage {
  from: string;
  to: string;
  content: string;
}
export interface ChannelPost {
  channel: string;
  from: string;
  content: string;
}

export const inbox = (b: Board, agent: string) => ok<InboxMessage[]>(b.msg(agent)(['inbox', '--json']));
export const channelHistory = (b: Board, name: string) => ok<ChannelPost[]>(b.msg('admin')(['channel', 'history', name, '--json']));

export interface TaskRowSeed {
  id?: string;
  title: string;
  status?: string;
  priority?: string;
  assigned_to?: string | null;
  created_by?: string;
  description?: string;
}

/**
 * Inserts tasks directly, in one transaction, with the columns bttask itself writes
 * (for fixtures too large or too odd to make through the binary). Returns their ids.
 */
export function insertTasks(path: string, rows: TaskRowSeed[]): string[] {
  return sql(path, (db) => {
    const base = (db.prepare('SELECT coalesce(max(sort_order), 0) AS m FROM tasks').get() as { m: number }).m;
    const ins = db.prepare(
      `INSERT INTO tasks (id, title, description, status, priority, assigned_to, created_by, group_id, parent_task_id, sort_order, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'demo', NULL, ?, 1)`,
    );
    return db.transaction(() =>
      rows.map((r, i) => {
        const id = r.id ?? randomUUID();
        ins.run(id, r.title, r.description ?? '', r.status ?? 'todo', r.priority ?? 'medium', r.assigned_to ?? null, r.created_by ?? 'boss', base + i + 1);
        return id;
      }),
    )();
  });
}

/**
 * Everything the board stores, read straight from the file: for checking that a
 * refused command changed nothing at all.
 */
export function snapshot(path: string) {
  return sql(path, (db) => ({
    tasks: db.prepare('SELECT * FROM tasks ORDER BY id').all(),
    comments: db.prepare('SELECT * FROM task_comments ORDER BY id').all(),
    deps: db.prepare('SELECT * FROM task_deps ORDER BY task_id, depends_on').all(),
    leases: db.prepare('SELECT * FROM task_leases ORDER BY id').all(),
    history: db.prepare('SELECT * FROM task_history ORDER BY id').all(),
    messages: db.prepare('SELECT * FROM messages ORDER BY id').all(),
    channelMessages: db.prepare('SELECT * FROM channel_messages ORDER BY id').all(),
  }));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until the wall clock passes `isoTime` by `marginMs`. */
export async function sleepPast(isoTime: string, marginMs = 150): Promise<void> {
  const wait = Date.parse(isoTime) + marginMs - Date.now();
  if (wait > 0) await sleep(wait);
}
