import { beforeEach, describe, expect, it } from 'vitest';
import { type Board, type Change, type Comment, type Task, EXIT, add, detail, insertTasks, ok, refused, useTeam } from './fixture.js';

const team = useTeam();
let b: Board;
beforeEach(() => {
  b = team.fresh();
});

const short = (id: string) => id.slice(0, 8);

describe('bttask add', () => {
  it('creates a todo task at version 1 with its description, priority and creator, joining the words of the title', () => {
    const t = add(b.boss, 'Fix', '--desc', 'the login form drops the password', '-p', 'high');
    expect(t).toMatchObject({
      title: 'Fix',
      description: 'the login form drops the password',
      status: 'todo',
      priority: 'high',
      assigned_to: null,
      created_by: 'boss',
      group_id: 'demo',
      parent_task_id: null,
      version: 1,
      lease: null,
    });
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);

    const r = b.boss(['add', 'Write', 'the', 'release', 'notes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^created [0-9a-f]{8} Write the release notes\n$/);
    const listed = ok<Task[]>(b.boss(['list', '--json']));
    expect(listed.map((x) => [x.title, x.priority])).toEqual([
      ['Fix', 'high'],
      ['Write the release notes', 'medium'],
    ]);
  });

  it('assigns the new task with --assign and says so', () => {
    const r = b.boss(['add', 'Review', 'the', 'schema', '--assign', 'alice']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^created [0-9a-f]{8} Review the schema → alice\n$/);
    expect(ok<Task[]>(b.boss(['list', '--json']))[0]).toMatchObject({ title: 'Review the schema', assigned_to: 'alice' });
  });

  it('makes a sub-task with --parent, which the parent then lists', () => {
    const parent = add(b.boss, 'Ship v2');
    const child = add(b.boss, 'Migrate the users', '--parent', short(parent.id));
    expect(child.parent_task_id).toBe(parent.id);
    expect(detail(b.boss, parent.id).children).toEqual([{ id: child.id, title: 'Migrate the users', status: 'todo' }]);
  });
});

describe('bttask list', () => {
  it('lists open tasks by priority and hides done ones unless --all is given', () => {
    const [low, crit, med, done] = insertTasks(b.db, [
      { title: 'Tidy the README', priority: 'low' },
      { title: 'Production is down', priority: 'critical' },
      { title: 'Add a --verbose flag', assigned_to: 'alice' },
      { title: 'Set up CI', priority: 'critical', status: 'done' },
    ]) as string[];

    expect(ok<Task[]>(b.boss(['list', '--json'])).map((t) => t.id)).toEqual([crit, med, low]);
    expect(ok<Task[]>(b.boss(['list', '--all', '--json'])).map((t) => t.id)).toEqual([crit, done, med, low]);

    const human = b.boss(['list']);
    expect(human.stdout.split('\n')).toEqual([
      `${short(crit!)}  todo     critical Production is down  unassigned`,
      `${short(med!)}  todo     medium   Add a --verbose flag  @alice`,
      `${short(low!)}  todo     low      Tidy the README  unassigned`,
      '',
    ]);
  });

  it('shows only one state with --status, and only the caller’s tasks with --mine', () => {
    const [mine, blocked] = insertTasks(b.db, [
      { title: 'Plan the sprint', assigned_to: 'boss' },
      { title: 'Renew the certificate', assigned_to: 'alice', status: 'blocked' },
      { title: 'Unassigned work' },
    ]);

    expect(ok<Task[]>(b.boss(['list', '--status', 'blocked', '--json'])).map((t) => t.id)).toEqual([blocked]);
    expect(ok<Task[]>(b.boss(['list', '--mine', '--json'])).map((t) => t.id)).toEqual([mine]);
    expect(b.boss(['list', '--status', 'review']).stdout).toBe('no tasks\n');
  });
});

describe('bttask show', () => {
  it('shows a task with its version, assignee, dependencies, sub-tasks, description and comments', () => {
    const dep = add(b.boss, 'Design the API');
    const t = add(b.boss, 'Build the API', '--desc', 'REST, JSON only', '-p', 'high', '--assign', 'alice');
    const sub = add(b.boss, 'Write the handlers', '--parent', t.id);
    ok(b.boss(['dep', 'add', t.id, dep.id, '--json']));
    ok(b.boss(['comment', t.id, 'start with GET', '--json']));

    const d = detail(b.boss, short(t.id));
    expect(d).toMatchObject({
      task: { id: t.id, title: 'Build the API', status: 'todo', priority: 'high', assigned_to: 'alice', version: 1 },
      depends_on: [{ id: dep.id, title: 'Design the API', status: 'todo' }],
      dependents: [],
      children: [{ id: sub.id, title: 'Write the handlers', status: 'todo' }],
      comments: [{ agent: 'boss', content: 'start with GET' }],
      ready: false,
    });

    const lines = b.boss(['show', t.id]).stdout.split('\n');
    expect(lines[0]).toBe('Build the API');
    expect(lines[1]).toBe(`id        ${t.id}  v1`);
    expect(lines[2]).toBe('state     todo   priority high');
    expect(lines[3]).toBe('assignee  alice');
    expect(lines).toContain('depends on (not all done)');
    expect(lines).toContain(`  ${short(dep.id)} todo Design the API`);
    expect(lines).toContain(`  ${short(sub.id)} todo Write the handlers`);
    expect(lines).toContain('REST, JSON only');
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d-\d\d \d\d:\d\d boss: start with GET$/));
  });
});

describe('bttask assign', () => {
  it('assigns and reassigns a task, bumping its version each time', () => {
    const t = add(b.boss, 'Profile the importer');
    const r = b.boss(['assign', short(t.id), 'bob']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`assigned ${short(t.id)} to bob\n`);
    expect(ok<Task>(b.boss(['assign', t.id, 'alice', '--json']))).toMatchObject({ assigned_to: 'alice', version: 3 });
  });
});

describe('bttask status', () => {
  it('moves a task between states and records --comment as a comment', () => {
    const t = add(b.boss, 'Rotate the keys');
    const r = b.boss(['status', t.id, 'progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${short(t.id)} is now progress\n`);
    const blocked = ok<Task>(b.boss(['status', t.id, 'blocked', '--comment', 'waiting for the vault password', '--json']));
    expect(blocked).toMatchObject({ status: 'blocked', version: 3 });
    expect(detail(b.boss, t.id).comments).toMatchObject([{ agent: 'boss', content: 'waiting for the vault password' }]);
  });
});

describe('bttask comment', () => {
  it('adds a comment given as words, joined with spaces', () => {
    const t = add(b.boss, 'Upgrade Node');
    const r = b.boss(['comment', short(t.id), 'blocked', 'by', 'the', 'CI', 'image']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`commented on ${short(t.id)}\n`);
    expect(detail(b.boss, t.id).comments).toMatchObject([{ agent: 'boss', content: 'blocked by the CI image' }]);
  });

  it('reads the comment from stdin when given "-", keeping its lines', () => {
    const t = add(b.boss, 'Write the postmortem');
    const text = 'Timeline:\n- 09:00 alert\n- 09:05 rollback';
    const c = ok<Comment>(b.arch(['comment', t.id, '-', '--json'], { input: text }));
    expect(c).toMatchObject({ task_id: t.id, agent: 'arch', content: text });
    expect(detail(b.boss, t.id).comments.map((x) => x.content)).toEqual([text]);
  });
});

describe('bttask delete', () => {
  it('deletes a task with its comments and dependencies, so what waited on it becomes ready', () => {
    const [gone, waiting] = insertTasks(b.db, [{ title: 'Obsolete spike' }, { title: 'Build on the spike' }]) as [string, string];
    expect(ok<{ ready: boolean }>(b.boss(['dep', 'add', waiting, gone, '--json'])).ready).toBe(false);
    ok(b.boss(['comment', gone, 'flamegraph attached', '--json']));

    const r = b.boss(['delete', short(gone)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`deleted ${short(gone)} Obsolete spike\n`);

    refused(b.boss(['show', gone]), EXIT.NOT_FOUND, /no task with id/);
    expect(detail(b.boss, waiting)).toMatchObject({ depends_on: [], ready: true });
    expect(ok<unknown[]>(b.boss(['search', 'flamegraph', '--json']))).toEqual([]);
    expect(ok<Task[]>(b.boss(['list', '--all', '--json'])).map((t) => t.id)).toEqual([waiting]);
  });
});

describe('bttask search', () => {
  it('finds tasks by words in their titles, descriptions and comments', () => {
    const [a, d, c] = insertTasks(b.db, [
      { title: 'Parser crash on empty input' },
      { title: 'Speed up startup', description: 'the tokenizer allocates per character' },
      { title: 'Release 1.4' },
    ]) as string[];
    ok(b.boss(['comment', c!, 'hold it: a regression in the exporter', '--json']));

    type Hit = { kind: string; task_id: string; title: string; snippet: string };
    const find = (q: string) => ok<Hit[]>(b.boss(['search', q, '--json'])).map((h) => [h.kind, h.task_id]);
    expect(find('parser')).toEqual([['task', a]]);
    expect(find('tokenizer')).toEqual([['task', d]]);
    expect(find('kubernetes')).toEqual([]);

    const human = b.boss(['search', 'regression']);
    expect(human.stdout).toBe(`${short(c!)} todo Release 1.4 (comment)\n    hold it: a regression in the exporter\n`);
  });
});

describe('bttask history', () => {
  it('lists every change with who made it, when, and the old and new values', () => {
    const t = add(b.boss, 'Audit the logs');
    ok(b.boss(['assign', t.id, 'alice', '--json']));
    ok(b.alice(['status', t.id, 'progress', '--json']));

    const h = ok<{ task: Task; changes: Change[] }>(b.boss(['history', t.id, '--json']));
    expect(h.changes.map((c) => [c.agent, c.field, c.old, c.new])).toEqual([
      ['boss', 'created', null, 'Audit the logs'],
      ['boss', 'assigned_to', null, 'alice'],
      ['alice', 'status', 'todo', 'progress'],
    ]);
    for (const c of h.changes) expect(c.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    const lines = b
      .boss(['history', short(t.id)])
      .stdout.trimEnd()
      .split('\n');
    expect(lines[0]).toBe('Audit the logs');
    expect(lines.slice(1).map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, '<when> '))).toEqual([
      '<when> boss created: — → Audit the logs',
      '<when> boss assigned_to: — → alice',
      '<when> alice status: todo → progress',
    ]);
  });
});
