import { beforeEach, describe, expect, it } from 'vitest';
import { type Board, type Task, EXIT, detail, insertTasks, ok, refused, snapshot, useTeam } from './fixture.js';

const team = useTeam();
let b: Board;
beforeEach(() => {
  b = team.fresh();
});

const short = (id: string) => id.slice(0, 8);
const ids = (r: Task[]) => r.map((t) => t.id);

describe('bttask ready', () => {
  it('lists todo tasks whose dependencies are all done, by priority then order', () => {
    const [low, high, m1, waits, dep] = insertTasks(b.db, [
      { title: 'low', priority: 'low' },
      { title: 'high', priority: 'high' },
      { title: 'm1' },
      { title: 'waits' },
      { title: 'dep' },
      { title: 'busy', status: 'progress' },
    ]) as string[];
    ok(b.boss(['dep', 'add', waits!, dep!, '--json']));
    expect(ids(ok<Task[]>(b.boss(['ready', '--json'])))).toEqual([high, m1, dep, low]);

    ok(b.boss(['status', dep!, 'done', '--json']));
    expect(ids(ok<Task[]>(b.boss(['ready', '--json'])))).toEqual([high, m1, waits, low]);
  });

  it('with --for AGENT lists only what that agent could claim: unassigned or its own', () => {
    const [free, hers, his] = insertTasks(b.db, [{ title: 'free' }, { title: 'hers', assigned_to: 'alice' }, { title: 'his', assigned_to: 'bob' }]);
    expect(ids(ok<Task[]>(b.boss(['ready', '--for', 'alice', '--json'])))).toEqual([free, hers]);
    expect(ids(ok<Task[]>(b.boss(['ready', '--json'])))).toEqual([free, hers, his]);
    refused(b.boss(['ready', '--for', 'ghost']), EXIT.NOT_FOUND, /unknown agent 'ghost'/);
  });
});

describe('bttask claim', () => {
  it('takes the first ready task, moves it to progress for the claimer and grants a 30-minute lease', () => {
    const [second, first] = insertTasks(b.db, [{ title: 'second' }, { title: 'first', priority: 'high' }, { title: 'third' }]);
    const t = ok<Task>(b.alice(['claim', '--json']));
    expect(t).toMatchObject({ id: first, status: 'progress', assigned_to: 'alice', version: 2, lease: { agent: 'alice' } });
    expect(t.lease!.seconds_left).toBeGreaterThan(1790);
    expect(t.lease!.seconds_left).toBeLessThanOrEqual(1800);
    expect(detail(b.boss, first!).task.lease).toMatchObject({ agent: 'alice', expires_at: t.lease!.expires_at });
    expect(ids(ok<Task[]>(b.boss(['ready', '--json'])))).not.toContain(first);

    const r = b.bob(['claim']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `claimed ${short(second!)} second\nlease until ${detail(b.boss, second!).task.lease!.expires_at}; renew with bttask renew ${short(second!)} or btmsg heartbeat\n`,
    );
    const brief = ok<Task>(b.bob(['claim', '--lease', '2s', '--json']));
    expect(brief).toMatchObject({ title: 'third', lease: { agent: 'bob' } });
    expect(brief.lease!.seconds_left).toBeGreaterThanOrEqual(1);
    expect(brief.lease!.seconds_left).toBeLessThanOrEqual(2);
  });

  it('takes a named task; one already claimed, or not ready, is a conflict (exit 5)', () => {
    const [t, later, dep, done] = insertTasks(b.db, [{ title: 't' }, { title: 'later' }, { title: 'dep' }, { title: 'done', status: 'done' }]);
    ok(b.boss(['dep', 'add', later!, dep!, '--json']));
    expect(ok<Task>(b.alice(['claim', short(t!), '--json']))).toMatchObject({ id: t, status: 'progress', assigned_to: 'alice' });

    const before = snapshot(b.db);
    refused(b.bob(['claim', t!]), EXIT.CONFLICT, /already claimed by alice/);
    refused(b.bob(['claim', later!]), EXIT.CONFLICT, /not ready: it waits on unfinished dependencies/);
    refused(b.bob(['claim', done!]), EXIT.CONFLICT, /not ready: it is done/);
    expect(snapshot(b.db)).toEqual(before);
  });

  it('exits 3 saying nothing is ready when there is nothing to take', () => {
    insertTasks(b.db, [
      { title: 'bob’s', assigned_to: 'bob' },
      { title: 'started', status: 'progress' },
    ]);
    const before = snapshot(b.db);
    refused(b.alice(['claim']), EXIT.NOT_FOUND, /^bttask: nothing ready to claim$/);
    expect(snapshot(b.db)).toEqual(before);
  });
});

describe('bttask release', () => {
  it('gives a claimed task back to todo, and to whoever it was assigned to before', () => {
    const [free, hers] = insertTasks(b.db, [{ title: 'free' }, { title: 'hers', assigned_to: 'alice' }]);
    ok(b.bob(['claim', free!, '--json']));
    ok(b.alice(['claim', hers!, '--json']));

    const r = b.bob(['release', short(free!)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`released ${short(free!)}; it is todo again\n`);
    expect(detail(b.boss, free!).task).toMatchObject({ status: 'todo', assigned_to: null, lease: null });

    expect(ok<Task>(b.alice(['release', hers!, '--json']))).toMatchObject({ status: 'todo', assigned_to: 'alice', lease: null });
    expect(ids(ok<Task[]>(b.boss(['ready', '--json'])))).toEqual([free, hers]);
  });

  it('refuses to release someone else’s claim (exit 5), but a manager may', () => {
    const [t] = insertTasks(b.db, [{ title: 't' }]);
    ok(b.alice(['claim', t!, '--json']));
    const before = snapshot(b.db);
    refused(b.bob(['release', t!]), EXIT.CONFLICT, /claimed by alice, not you/);
    expect(snapshot(b.db)).toEqual(before);
    expect(ok<Task>(b.boss(['release', t!, '--json']))).toMatchObject({ status: 'todo', lease: null });
  });
});

describe('bttask renew', () => {
  it('extends the lease to the given length, which later renewals keep', () => {
    const [t] = insertTasks(b.db, [{ title: 't' }]);
    ok(b.alice(['claim', t!, '--lease', '1m', '--json']));
    const r = b.alice(['renew', short(t!), '--lease', '10m']);
    expect(r.code, r.stderr).toBe(0);
    const lease = detail(b.boss, t!).task.lease!;
    expect(r.stdout).toBe(`renewed ${short(t!)} until ${lease.expires_at}\n`);
    expect(lease.seconds_left).toBeGreaterThan(590);

    // The new length sticks: a plain renew (or a heartbeat) renews to 10 minutes, not 1.
    const again = ok<Task>(b.alice(['renew', t!, '--json']));
    expect(again.lease!.seconds_left).toBeGreaterThan(590);
    expect(again.lease!.seconds_left).toBeLessThanOrEqual(600);
  });

  it('refuses to renew a task nobody holds (exit 5)', () => {
    const [t] = insertTasks(b.db, [{ title: 't', assigned_to: 'alice' }]);
    refused(b.alice(['renew', t!]), EXIT.CONFLICT, /has no active lease/);
  });
});

describe('bttask dep', () => {
  it('dep add makes a task wait for another, and dep rm lets it go', () => {
    const [build, design] = insertTasks(b.db, [{ title: 'build' }, { title: 'design' }]);
    const r = b.boss(['dep', 'add', short(build!), short(design!)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${short(build!)} depends on: ${short(design!)}\n`);
    expect(detail(b.boss, build!)).toMatchObject({ depends_on: [{ id: design, title: 'design' }], ready: false });
    expect(detail(b.boss, design!).dependents).toMatchObject([{ id: build, title: 'build' }]);
    expect(ids(ok<Task[]>(b.boss(['ready', '--json'])))).toEqual([design]);

    expect(b.boss(['dep', 'rm', build!, design!]).stdout).toBe(`${short(build!)} depends on: nothing\n`);
    expect(ids(ok<Task[]>(b.boss(['ready', '--json'])))).toEqual([build, design]);
    refused(b.boss(['dep', 'rm', build!, design!]), EXIT.NOT_FOUND, /does not depend on/);
  });
});
