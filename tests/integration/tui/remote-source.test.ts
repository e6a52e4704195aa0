import { expect, test } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { ReconnectingRelay } from '../../../src/relay/client.js';
import { RemoteSource } from '../../../src/tui/remote.js';
import { runAsync } from '../../helpers/cli.js';
import { group, sh, waitFor } from '../agor/fixture.js';
import { ADMIN_TOKEN, certificate, relay } from '../relay/relay.js';

const admin = { env: { BTMSG_AGENT_ID: 'admin' } };

test('the remote source shows the fleet and board through a real relay, keeps them while the relay is down, and resyncs after it restarts', async ({
  onTestFinished,
}) => {
  const g = group(onTestFinished, { group: 'far', agents: { worker: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
  await g.up();
  const running = await g.waitAgent('worker', 'running', (a) => a.pid !== null);
  const first = await relay(onTestFinished, g.db);
  const { pin } = await certificate();
  const source = new RemoteSource(first.url, (h) => new ReconnectingRelay({ url: first.url, pin, token: ADMIN_TOKEN }, h));
  onTestFinished(() => source.close());
  let notified = 0;
  source.subscribe(() => notified++);

  await waitFor(
    'the fleet through the relay',
    () => source.fleet(),
    (f) => source.connection().state === 'connected' && f.length === 1 && f[0]!.pid === running.pid,
    { timeout: 15_000 },
  );
  expect(source.label).toBe(first.url);
  expect(notified).toBeGreaterThan(0);
  await waitFor(
    'the supervisor through the relay',
    () => source.supervisor(),
    (s) => s.state === 'attached' && s.group === 'far',
  );

  // A write by another process shows without asking (the relay's `changed` event).
  const add = await runAsync('bttask', ['add', 'Made while connected', '--db', g.db], admin);
  expect(add.code, add.stderr).toBe(0);
  await waitFor(
    'the new task on the board',
    () => source.board().todo.map((t) => t.title),
    (t) => t.includes('Made while connected'),
  );

  // A task is read, commented and moved through the relay by its id.
  const made = source.board().todo.find((t) => t.title === 'Made while connected')!;
  await waitFor(
    'the task in detail',
    () => source.task(made.id),
    (d) => d?.task.title === 'Made while connected',
  );
  await source.comment(made.id, 'looked at it from afar');
  await source.moveTask(made.id, 'progress');
  await waitFor(
    'the comment and the move in detail',
    () => source.task(made.id),
    (d) => d?.task.status === 'progress' && d.comments.some((c) => c.content === 'looked at it from afar'),
  );
  await waitFor(
    'the task history with the move',
    () => source.taskHistory(made.id),
    (h) => !!h?.some((c) => JSON.stringify(c).includes('progress')),
  );

  // The relay goes away: the source says when it tries again and keeps the last fleet.
  await first.close();
  const down = await waitFor(
    'the link to be lost',
    () => source.connection(),
    (c) => c.state === 'reconnecting',
    { timeout: 15_000 },
  );
  expect(down).toMatchObject({ state: 'reconnecting', lostSince: expect.any(Number), next: expect.any(Number) });
  expect(source.fleet().map((a) => a.id)).toEqual(['worker']);
  const refused = await source.stop(['worker']).then(
    () => null,
    (e: unknown) => e,
  );
  expect(refused).toBeInstanceOf(UserError);
  expect((refused as UserError).message).toMatch(/is reconnecting: nothing was sent/);
  expect((await g.agent('worker')).pid).toBe(running.pid);

  // Meanwhile, on the host: the agent is stopped and a task added.
  expect((await g.agor(['stop', 'worker'])).code).toBe(0);
  expect((await runAsync('bttask', ['add', 'Made while away', '--db', g.db], admin)).code).toBe(0);

  // The relay comes back on the same port: the source reconnects by itself and reads again.
  await relay(onTestFinished, g.db, { port: first.port });
  await waitFor(
    'the source to reconnect and show the agent stopped',
    () => ({ conn: source.connection().state, fleet: source.fleet(), board: source.board().todo.map((t) => t.title) }),
    (v) => v.conn === 'connected' && v.fleet[0]?.pid === null && v.board.includes('Made while away'),
    { timeout: 30_000 },
  );

  // And actions go through again, to this host's supervisor.
  await source.start(['worker']);
  const again = await g.waitAgent('worker', 'running again', (a) => a.pid !== null);
  expect(again.pid).not.toBe(running.pid);
  await waitFor(
    'the fleet to show the new pid',
    () => source.fleet(),
    (f) => f[0]?.pid === again.pid,
  );
}, 60_000);
