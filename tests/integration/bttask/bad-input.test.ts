import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, tempDb } from '../../helpers/cli.js';
import { type Board, EXIT, add, detail, insertTasks, ok, refused, snapshot, useTeam } from './fixture.js';

const team = useTeam();
let b: Board;
beforeEach(() => {
  b = team.fresh();
});

/** stderr's hint line. */
const hint = (r: { stderr: string }) => r.stderr.split('\n')[1] ?? '';

describe('bttask bad input', () => {
  it('refuses an unknown state or priority with exit 2, naming the valid ones, and changes nothing', () => {
    const [t] = insertTasks(b.db, [{ title: 't' }]);
    const before = snapshot(b.db);

    const state = b.boss(['status', t!, 'finished']);
    refused(state, EXIT.USAGE, /^bttask: unknown state 'finished'$/);
    expect(hint(state)).toBe('  hint: states: todo, progress, review, done, blocked');
    refused(b.boss(['list', '--status', 'doing']), EXIT.USAGE, /^bttask: unknown state 'doing'$/);
    const prio = b.boss(['add', 'Urgent thing', '--priority', 'urgent']);
    refused(prio, EXIT.USAGE, /^bttask: unknown priority 'urgent'$/);
    expect(hint(prio)).toBe('  hint: priorities: critical, high, medium, low');

    // With --json the same refusal is one JSON document on stderr.
    const asJson = b.boss(['status', t!, 'finished', '--json']);
    expect(asJson.code).toBe(EXIT.USAGE);
    expect(JSON.parse(asJson.stderr)).toEqual({
      error: { code: 'usage', exit: 2, message: "unknown state 'finished'", hint: 'states: todo, progress, review, done, blocked' },
    });
    expect(snapshot(b.db)).toEqual(before);
  });

  it('reports a task id that matches nothing as not found (exit 3), and changes nothing', () => {
    const [t] = insertTasks(b.db, [{ title: 't' }]);
    const before = snapshot(b.db);
    refused(b.boss(['show', 'zzzz']), EXIT.NOT_FOUND, /^bttask: no task with id 'zzzz'$/);
    refused(b.boss(['status', '00000000-0000-4000-8000-000000000000', 'done']), EXIT.NOT_FOUND, /no task with id/);
    refused(b.boss(['comment', 'ffff', 'hello']), EXIT.NOT_FOUND, /no task with id 'ffff'/);
    refused(b.boss(['dep', 'add', t!, 'ffff']), EXIT.NOT_FOUND, /no task with id 'ffff'/);
    expect(snapshot(b.db)).toEqual(before);
  });

  it('refuses an ambiguous id prefix with exit 2 and lists the candidates', () => {
    const [, two] = insertTasks(b.db, [
      { id: 'abcdef12-0000-4000-8000-000000000001', title: 'one' },
      { id: 'abcdef12-1111-4000-8000-000000000002', title: 'two' },
    ]);
    const before = snapshot(b.db);
    const r = b.boss(['status', 'abcdef12', 'done']);
    refused(r, EXIT.USAGE, /^bttask: task id 'abcdef12' is ambiguous$/);
    expect(hint(r)).toBe('  hint: it matches 2: abcdef12-0, abcdef12-1; give more characters');
    expect(snapshot(b.db)).toEqual(before);
    // One more character settles it.
    expect(detail(b.boss, 'abcdef12-1').task.id).toBe(two);
  });

  it('refuses an empty task id with exit 2', () => {
    insertTasks(b.db, [{ title: 't' }]);
    const before = snapshot(b.db);
    refused(b.boss(['show', '']), EXIT.USAGE, /^bttask: task id is empty$/);
    refused(b.boss(['status', '  ', 'done']), EXIT.USAGE, /^bttask: task id is empty$/);
    expect(snapshot(b.db)).toEqual(before);
  });

  it('refuses an empty title or one over 500 characters with exit 2, and accepts exactly 500', () => {
    const before = snapshot(b.db);
    refused(b.boss(['add', '']), EXIT.USAGE, /^bttask: task title is empty$/);
    refused(b.boss(['add', '   ']), EXIT.USAGE, /^bttask: task title is empty$/);
    refused(b.boss(['add', 'x'.repeat(501)]), EXIT.USAGE, /^bttask: task title is 501 characters, over the 500 limit$/);
    expect(snapshot(b.db)).toEqual(before);
    // Characters, not bytes: 500 two-byte characters fit.
    expect(add(b.boss, 'é'.repeat(500)).title).toBe('é'.repeat(500));
  });

  it('refuses a description over 64 KiB with exit 2, and accepts exactly 64 KiB', () => {
    const before = snapshot(b.db);
    refused(b.boss(['add', 'Big', '--desc', 'é'.repeat(32769)]), EXIT.USAGE, /^bttask: description is 65538 bytes, over the 64 KiB limit$/);
    expect(snapshot(b.db)).toEqual(before);
    const r = b.boss(['add', 'Big', '--desc', 'x'.repeat(65536)]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses to assign a task to an unknown agent with exit 3, and changes nothing', () => {
    const [t] = insertTasks(b.db, [{ title: 't' }]);
    const before = snapshot(b.db);
    refused(b.boss(['assign', t!, 'ghost']), EXIT.NOT_FOUND, /^bttask: unknown assignee 'ghost'$/);
    refused(b.boss(['add', 'New', '--assign', 'ghost']), EXIT.NOT_FOUND, /^bttask: unknown assignee 'ghost'$/);
    expect(snapshot(b.db)).toEqual(before);
  });

  it('refuses a dependency on itself, or one that would close a cycle, with exit 2', () => {
    const [a, bb, c] = insertTasks(b.db, [{ title: 'a' }, { title: 'b' }, { title: 'c' }]);
    ok(b.boss(['dep', 'add', a!, bb!, '--json']));
    ok(b.boss(['dep', 'add', bb!, c!, '--json']));
    const before = snapshot(b.db);
    refused(b.boss(['dep', 'add', a!, a!]), EXIT.USAGE, /^bttask: a task cannot depend on itself$/);
    refused(b.boss(['dep', 'add', c!, a!]), EXIT.USAGE, new RegExp(`^bttask: that would make a cycle: ${a!.slice(0, 8)} already depends on ${c!.slice(0, 8)}$`));
    expect(snapshot(b.db)).toEqual(before);
  });

  it('acts as the operator when BTMSG_AGENT_ID is unset, and refuses with exit 3 an id that names no agent', () => {
    const [t] = insertTasks(b.db, [{ title: 't' }]);
    const operator = b.as(null);
    expect(ok<{ id: string }[]>(operator(['list', '--json'])).map((x) => x.id)).toEqual([t]);
    expect(add(operator, 'Set by the operator').created_by).toBe('admin');
    const before = snapshot(b.db);
    refused(b.as('mallory')(['add', 'Sneaky']), EXIT.NOT_FOUND, /^bttask: BTMSG_AGENT_ID 'mallory' is not a registered agent$/);
    expect(snapshot(b.db)).toEqual(before);
  });
});

describe('bttask database faults', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it('refuses a directory given as the database (exit 1)', () => {
    const dir = join(t.dir, 'boards');
    mkdirSync(dir);
    refused(run('bttask', ['list'], { db: dir, as: 'admin' }), EXIT.FAILURE, /^bttask: .*boards is a directory, not a database file$/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file that is not SQLite (exit 1) and leaves it byte for byte unchanged', () => {
    const notes = join(t.dir, 'notes.db');
    const bytes = Buffer.concat([Buffer.from('my notes, not a database\n'), randomBytes(4096)]);
    writeFileSync(notes, bytes);
    for (const args of [['list'], ['add', 'Overwrite me']]) {
      refused(run('bttask', args, { db: notes, as: 'admin' }), EXIT.FAILURE, /^bttask: .*notes\.db is not an SQLite database; refusing to touch it$/);
    }
    expect(readFileSync(notes).equals(bytes)).toBe(true);
    expect(readdirSync(t.dir)).toEqual(['notes.db']);
  });
});
