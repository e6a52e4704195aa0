import { beforeEach, describe, expect, it } from 'vitest';
import { type Board, type Call, type Task, EXIT, add, detail, insertTasks, ok, refused, snapshot, useTeam } from './fixture.js';

const team = useTeam();
let b: Board;
beforeEach(() => {
  b = team.fresh();
});

const ids = (ts: { id: string }[]) => ts.map((t) => t.id);

/** Each call must be refused as not permitted, and leave the board as it was. */
function allRefused(calls: [Call, string[]][], who: RegExp): void {
  const before = snapshot(b.db);
  for (const [call, args] of calls) refused(call(args), EXIT.NOT_PERMITTED, who);
  expect(snapshot(b.db)).toEqual(before);
}

describe('bttask permissions', () => {
  it('writes each refusal to the audit log as permission_denied, with the action and the task', () => {
    const [t] = insertTasks(b.db, [{ title: 'Not yours', assigned_to: 'bob' }]);
    allRefused(
      [
        [b.alice, ['status', t!, 'progress']],
        [b.tes, ['delete', t!]],
      ],
      /may not/,
    );
    const denied = ok<{ agent: string; detail: { action: string; target?: string; message: string } }[]>(
      b.msg('admin')(['audit', '--type', 'permission_denied', '--json']),
    );
    expect(denied.map((e) => [e.agent, e.detail.action, e.detail.target])).toEqual([
      ['alice', 'task update', t],
      ['tes', 'task delete', t],
    ]);
    expect(denied[0]!.detail.message).toMatch(/^alice \(project\) may not update task/);
  });

  it.each([
    ['a manager', 'boss'],
    ['the operator', 'admin'],
  ])('%s may create, assign, link, reorder, move, review and delete tasks', (_, agent) => {
    const call = b.as(agent);
    const a = add(call, 'A');
    const c = add(call, 'C', '--assign', 'alice');
    expect(ok<Task>(call(['assign', a.id, 'bob', '--json'])).assigned_to).toBe('bob');
    ok(call(['dep', 'add', a.id, c.id, '--json']));
    expect(ids(ok<Task[]>(call(['priorities', c.id, a.id, '--json'])))).toEqual([c.id, a.id]);
    ok(call(['status', c.id, 'review', '--json']));
    expect(ok<Task>(call(['status', c.id, 'done', '--json'])).status).toBe('done');
    ok(call(['delete', a.id, '--json']));
    expect(ids(ok<Task[]>(call(['list', '--all', '--json'])))).toEqual([c.id]);
  });

  it('lets an architect create tasks and comment, but not change status, assign or delete (exit 4)', () => {
    const t = add(b.arch, 'Split the monolith');
    expect(t.created_by).toBe('arch');
    ok(b.arch(['comment', t.id, 'start with billing', '--json']));
    allRefused(
      [
        [b.arch, ['status', t.id, 'progress']],
        [b.arch, ['assign', t.id, 'alice']],
        [b.arch, ['delete', t.id]],
      ],
      /^bttask: arch \(architect\) may not (update|assign|delete) task [0-9a-f]{8}$/,
    );
  });

  it('lets a reviewer list, comment and decide reviews, but not move a todo task (exit 4)', () => {
    const [todo, inReview] = insertTasks(b.db, [{ title: 'todo' }, { title: 'in review', status: 'review', assigned_to: 'alice' }]);
    expect(ids(ok<Task[]>(b.rev(['list', '--json'])))).toEqual([todo, inReview]);
    ok(b.rev(['comment', todo!, 'looks risky', '--json']));
    allRefused([[b.rev, ['status', todo!, 'progress']]], /^bttask: rev \(reviewer\) may not update task/);
    expect(ok<Task>(b.rev(['status', inReview!, 'done', '--json'])).status).toBe('done');
  });

  it('lets a tester list and comment, and nothing else (exit 4)', () => {
    const [t] = insertTasks(b.db, [{ title: 'Flaky login test' }]);
    expect(ids(ok<Task[]>(b.tes(['list', '--json'])))).toEqual([t]);
    ok(b.tes(['comment', t!, 'fails 1 run in 20', '--json']));
    allRefused(
      [
        [b.tes, ['add', 'Another']],
        [b.tes, ['status', t!, 'progress']],
        [b.tes, ['assign', t!, 'alice']],
        [b.tes, ['claim', t!]],
        [b.tes, ['delete', t!]],
      ],
      /^bttask: tes \(tester\) may not /,
    );
  });

  it('shows a project agent only the tasks assigned to it, in list, board, show and search', () => {
    const [hers, his] = insertTasks(b.db, [
      { title: 'Deploy the canary', assigned_to: 'alice' },
      { title: 'Deploy the database', assigned_to: 'bob' },
      { title: 'Deploy the docs' },
    ]);
    expect(ids(ok<Task[]>(b.alice(['list', '--json'])))).toEqual([hers]);
    const board = ok<Record<string, Task[]>>(b.alice(['board', '--json']));
    expect(Object.values(board).flatMap(ids)).toEqual([hers]);
    expect(ok<{ task_id: string }[]>(b.alice(['search', 'deploy', '--json'])).map((h) => h.task_id)).toEqual([hers]);
    expect(detail(b.alice, hers!).task.title).toBe('Deploy the canary');
    allRefused(
      [
        [b.alice, ['show', his!]],
        [b.alice, ['history', his!]],
      ],
      /^bttask: alice \(project\) may not see task [0-9a-f]{8} \(it is not assigned to you\)$/,
    );
  });

  it('lets a project agent update and comment on its own tasks only (exit 4 for others)', () => {
    const [hers, his] = insertTasks(b.db, [
      { title: 'hers', assigned_to: 'alice' },
      { title: 'his', assigned_to: 'bob' },
    ]);
    expect(ok<Task>(b.alice(['status', hers!, 'progress', '--json'])).status).toBe('progress');
    ok(b.alice(['comment', hers!, 'halfway', '--json']));
    allRefused(
      [
        [b.alice, ['status', his!, 'progress']],
        [b.alice, ['comment', his!, 'let me help']],
        [b.alice, ['assign', hers!, 'bob']],
      ],
      /^bttask: alice \(project\) may not /,
    );
  });

  it('lets a project agent claim an unassigned ready task, but not one assigned to someone else (exit 4)', () => {
    const [free, his] = insertTasks(b.db, [{ title: 'free' }, { title: 'his', assigned_to: 'bob' }]);
    expect(ok<Task>(b.alice(['claim', free!, '--json']))).toMatchObject({ id: free, assigned_to: 'alice', status: 'progress' });
    allRefused([[b.alice, ['claim', his!]]], /^bttask: alice \(project\) may not claim task [0-9a-f]{8} \(it is not assigned to you\)$/);
  });

  it('does not let a project agent take its own task out of review (exit 4)', () => {
    const [t] = insertTasks(b.db, [{ title: 'mine', status: 'review', assigned_to: 'alice' }]);
    allRefused(
      [
        [b.alice, ['status', t!, 'done']],
        [b.alice, ['status', t!, 'progress', '--comment', 'never mind']],
      ],
      /^bttask: alice \(project\) may not decide reviews of task [0-9a-f]{8}$/,
    );
  });
});
