import { describe, expect, it } from 'vitest';
import { btmsgAsync as btmsgRun } from '../../helpers/cli.js';
import { type Task, type TaskDetail, EXIT, insertTasks, ok, refused, sleepPast, snapshot, useTeam } from './fixture.js';

// Leases are whole seconds, so these tests wait for real ones to pass; they run side by
// side, each on its own database, so the waits overlap.
const team = useTeam();
const ms = (iso: string) => Date.parse(iso);
const btmsgAsync = (db: string, as: string, args: string[]) => btmsgRun(args, { db, as });

describe.concurrent('bttask leases', () => {
  it('returns a task whose lease lapsed to todo with a comment saying why, and refuses the old holder’s late write', async () => {
    const b = team.fresh();
    const alice = b.asAsync('alice');
    const [t] = insertTasks(b.db, [{ title: 'Rebuild the index', assigned_to: 'alice' }]);
    const claimed = ok<Task>(await alice(['claim', t!, '--lease', '2s', '--json']));
    expect(claimed.lease!.seconds_left).toBeLessThanOrEqual(2);

    await sleepPast(claimed.lease!.expires_at);
    const shown = await b.asAsync('boss')(['show', t!]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[2]).toMatch(/^state {5}todo /);
    // Back to whoever had it before the claim, with no lease.
    expect(lines[3]).toBe('assignee  alice');
    expect(lines).toContainEqual(
      expect.stringMatching(/ admin: lease of alice lapsed at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z without the task being finished; returned to todo\.$/),
    );

    const before = snapshot(b.db);
    refused(await alice(['status', t!, 'done']), EXIT.CONFLICT, /your lease on task [0-9a-f]{8} lapsed at .*; the task went back to todo/);
    expect(snapshot(b.db)).toEqual(before);

    // Claiming it again makes alice the holder once more.
    ok(await alice(['claim', t!, '--json']));
    expect(ok<Task>(await alice(['status', t!, 'done', '--json']))).toMatchObject({ status: 'done', lease: null });
  });

  it('ends the lease when the work is handed in for review, so it can neither lapse nor be released', async () => {
    const b = team.fresh();
    const alice = b.asAsync('alice');
    const [t] = insertTasks(b.db, [{ title: 'Write the parser' }]);
    const claimed = ok<Task>(await alice(['claim', t!, '--lease', '2s', '--json']));
    expect(ok<Task>(await alice(['status', t!, 'review', '--json']))).toMatchObject({ status: 'review', lease: null });
    refused(await alice(['release', t!]), EXIT.CONFLICT, /has no active lease/);

    await sleepPast(claimed.lease!.expires_at);
    const d = ok<TaskDetail>(await b.asAsync('boss')(['show', t!, '--json']));
    expect(d.task).toMatchObject({ status: 'review', assigned_to: 'alice', lease: null });
    // Still the assignee: the author can answer the reviewer.
    ok(await alice(['comment', t!, 'tests are in the second commit', '--json']));
  });

  it('ends the lease when the holder marks the task blocked, so a lapse does not put it back to todo', async () => {
    const b = team.fresh();
    const alice = b.asAsync('alice');
    const [t] = insertTasks(b.db, [{ title: 'Deploy to staging' }]);
    const claimed = ok<Task>(await alice(['claim', t!, '--lease', '2s', '--json']));
    expect(ok<Task>(await alice(['status', t!, 'blocked', '--comment', 'need the staging credentials', '--json']))).toMatchObject({
      status: 'blocked',
      lease: null,
    });

    await sleepPast(claimed.lease!.expires_at);
    const d = ok<TaskDetail>(await b.asAsync('boss')(['show', t!, '--json']));
    expect(d.task).toMatchObject({ status: 'blocked', assigned_to: 'alice', lease: null });
  });

  it('keeps the lease past its original expiry when the holder sends btmsg heartbeat', async () => {
    const b = team.fresh();
    const [t] = insertTasks(b.db, [{ title: 'Long migration' }]);
    const claimed = ok<Task>(await b.asAsync('alice')(['claim', t!, '--lease', '4s', '--json']));
    const expiry = ms(claimed.lease!.expires_at);

    // Late in the lease, so the renewal lands whole seconds after the original expiry.
    await sleepPast(new Date(expiry - 1900).toISOString(), 0);
    const hb = btmsgAsync(b.db, 'alice', ['heartbeat', '--json']);
    expect(ok<{ leases_renewed: number }>(await hb)).toMatchObject({ agent: 'alice', leases_renewed: 1 });

    await sleepPast(claimed.lease!.expires_at);
    const d = ok<TaskDetail>(await b.asAsync('boss')(['show', t!, '--json']));
    expect(d.task).toMatchObject({ status: 'progress', assigned_to: 'alice', lease: { agent: 'alice' } });
    expect(ms(d.task.lease!.expires_at)).toBeGreaterThan(expiry);
    expect(d.comments).toEqual([]);
  });

  it('keeps the lease past its original expiry after bttask renew', async () => {
    const b = team.fresh();
    const [t] = insertTasks(b.db, [{ title: 'Reindex' }]);
    const alice = b.asAsync('alice');
    // Long enough for the renewal to land first even on a busy machine.
    const claimed = ok<Task>(await alice(['claim', t!, '--lease', '4s', '--json']));
    const renewed = ok<Task>(await alice(['renew', t!, '--lease', '1m', '--json']));
    expect(ms(renewed.lease!.expires_at)).toBeGreaterThan(ms(claimed.lease!.expires_at));

    await sleepPast(claimed.lease!.expires_at);
    const d = ok<TaskDetail>(await b.asAsync('boss')(['show', t!, '--json']));
    expect(d.task).toMatchObject({ status: 'progress', assigned_to: 'alice', lease: { agent: 'alice', expires_at: renewed.lease!.expires_at } });
  });

  it('does not renew a lease that already lapsed: heartbeat and renew come too late', async () => {
    const b = team.fresh();
    const [t] = insertTasks(b.db, [{ title: 'Flaky job' }]);
    const alice = b.asAsync('alice');
    const claimed = ok<Task>(await alice(['claim', t!, '--lease', '1s', '--json']));
    await sleepPast(claimed.lease!.expires_at);

    expect(ok<{ leases_renewed: number }>(await btmsgAsync(b.db, 'alice', ['heartbeat', '--json']))).toMatchObject({ leases_renewed: 0 });
    refused(await alice(['renew', t!]), EXIT.CONFLICT, /lease on task [0-9a-f]{8} lapsed/);
    expect(ok<TaskDetail>(await b.asAsync('boss')(['show', t!, '--json'])).task).toMatchObject({ status: 'todo', assigned_to: null, lease: null });
  });
});
