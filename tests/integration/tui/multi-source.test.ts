import { expect, test } from 'vitest';
import { runAsync } from '../../helpers/cli.js';
import { UserError } from '../../../src/core/errors.js';
import { LocalSource } from '../../../src/tui/local.js';
import { MultiSource } from '../../../src/tui/multi.js';
import { type Group, group, sh, waitFor } from '../agor/fixture.js';

/** The UserError a promise rejects with. */
async function refusal(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

const sleeper = { command: sh('exec sleep 300'), stop_grace: '1s' };

/** Two hosts' databases, each with its supervisor running `worker` (and h2 also `extra`). */
async function twoHosts(onTestFinished: Parameters<typeof group>[0]): Promise<{ h1: Group; h2: Group; multi: MultiSource }> {
  const h1 = group(onTestFinished, { group: 'one', agents: { worker: sleeper } });
  const h2 = group(onTestFinished, { group: 'two', agents: { worker: sleeper, extra: sleeper } });
  await Promise.all([h1.up(), h2.up()]);
  const multi = new MultiSource([
    { name: 'h1', source: new LocalSource(h1.db) },
    { name: 'h2', source: new LocalSource(h2.db) },
  ]);
  onTestFinished(() => multi.close());
  await waitFor(
    'both hosts attached with their agents running',
    () => multi.fleet(),
    (f) => f.length === 3 && f.every((a) => a.pid !== null),
    { timeout: 15_000, interval: 100 },
  );
  return { h1, h2, multi };
}

test('the fleet over two hosts names each agent host/agent, in host order, with its host and its own id', async ({ onTestFinished }) => {
  const { h1, h2, multi } = await twoHosts(onTestFinished);
  const fleet = multi.fleet();
  expect(fleet.map((a) => a.id)).toEqual(['h1/worker', 'h2/extra', 'h2/worker']);
  expect(fleet.map((a) => [a.host, a.agent_id, a.lost])).toEqual([
    ['h1', 'worker', false],
    ['h2', 'extra', false],
    ['h2', 'worker', false],
  ]);
  // Each row is its own host's agent: the pids agor ps gives on each database.
  expect(fleet[0]!.pid).toBe((await h1.agent('worker')).pid);
  expect(fleet[2]!.pid).toBe((await h2.agent('worker')).pid);
  expect(multi.hosts().map((h) => [h.name, h.label, h.conn.state])).toEqual([
    ['h1', h1.db, 'connected'],
    ['h2', h2.db, 'connected'],
  ]);
});

test("stopping h2/worker stops h2's worker and leaves h1's running; an id without a known host is refused", async ({ onTestFinished }) => {
  const { h1, h2, multi } = await twoHosts(onTestFinished);
  const h1Pid = (await h1.agent('worker')).pid;
  await multi.stop(['h2/worker']);
  await h2.waitAgent('worker', 'stopped', (a) => a.pid === null && a.state === 'inactive');
  const kept = await h1.agent('worker');
  expect(kept.pid).toBe(h1Pid);
  await waitFor(
    'the fleet to show h2/worker stopped and h1/worker running',
    () => multi.fleet(),
    (f) => f.find((a) => a.id === 'h2/worker')?.pid === null && f.find((a) => a.id === 'h1/worker')?.pid === h1Pid,
  );

  // Both hosts in one call: each gets its own agent.
  await multi.start(['h2/worker']);
  await h2.waitAgent('worker', 'running again', (a) => a.pid !== null);

  const err = await refusal(multi.stop(['h3/worker']));
  expect(err.message).toMatch(/h3\/worker names no host of this dashboard/);
  const bare = await refusal(multi.stop(['worker']));
  expect(bare.message).toMatch(/worker names no host/);
  expect((await h1.agent('worker')).pid).toBe(h1Pid);
});

test('the board, feed and audit follow the selected host, and a task moved there moves in that database only', async ({ onTestFinished }) => {
  const { h1, h2, multi } = await twoHosts(onTestFinished);
  const add = async (g: Group, title: string) => {
    const r = await runAsync('bttask', ['add', title, '--db', g.db, '--json'], { env: { BTMSG_AGENT_ID: 'admin' } });
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { id: string }).id;
  };
  await add(h1, 'Task on one');
  const two = await add(h2, 'Task on two');
  const r = await runAsync('btmsg', ['send', 'worker', 'hello two', '--db', h2.db], { env: { BTMSG_AGENT_ID: 'admin' } });
  expect(r.code, r.stderr).toBe(0);

  const titles = () => multi.board().todo.map((t) => t.title);
  expect(multi.selectedHost()).toBe('h1');
  await waitFor('the board of h1', titles, (t) => t.join() === 'Task on one');
  expect(JSON.stringify(multi.feed(10))).not.toContain('hello two');
  expect(multi.label).toBe(`host h1: ${h1.db}`);

  let notified = 0;
  multi.subscribe(() => notified++);
  multi.selectHost('h2');
  expect(notified).toBeGreaterThan(0);
  expect(multi.selectedHost()).toBe('h2');
  expect(multi.label).toBe(`host h2: ${h2.db}`);
  expect(multi.supervisor().group).toBe('two');
  await waitFor('the board of h2', titles, (t) => t.join() === 'Task on two');
  expect(JSON.stringify(multi.feed(10))).toContain('hello two');
  expect(multi.task(two)?.task.title).toBe('Task on two');

  await multi.moveTask(two, 'progress', 'taken from the dashboard');
  await waitFor(
    'the task in progress on h2',
    () => multi.board().progress.map((t) => t.id),
    (ids) => ids.includes(two),
  );
  const show = await runAsync('bttask', ['show', two, '--db', h2.db, '--json'], { env: { BTMSG_AGENT_ID: 'admin' } });
  expect(JSON.parse(show.stdout)).toMatchObject({ task: { status: 'progress' } });
  multi.selectHost('h1');
  expect(titles()).toEqual(['Task on one']);
  expect(multi.audit({ limit: 50 }).some((e) => e.detail.includes(two))).toBe(false);
  multi.selectHost('h2');
  expect(multi.audit({ limit: 50 }).some((e) => e.detail.includes(two))).toBe(true);

  // A message to host/agent goes to that host's database, whichever host is selected.
  multi.selectHost('h1');
  await multi.send('h2/extra', 'routed by name');
  const inbox = await runAsync('btmsg', ['inbox', '--db', h2.db, '--json'], { env: { BTMSG_AGENT_ID: 'extra' } });
  expect(inbox.stdout).toContain('routed by name');
});
