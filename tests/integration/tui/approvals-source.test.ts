// The dashboard's approvals over two hosts: one read from its database, one through a real
// relay; each request named host/id and decided on its own host.
import { expect, test } from 'vitest';
import { ReconnectingRelay } from '../../../src/relay/client.js';
import { LocalSource } from '../../../src/tui/local.js';
import { MultiSource } from '../../../src/tui/multi.js';
import { RemoteSource } from '../../../src/tui/remote.js';
import { json, runAsync, tempDb } from '../../helpers/cli.js';
import { waitFor } from '../agor/fixture.js';
import { ADMIN_TOKEN, certificate, relay } from '../relay/relay.js';

test('approvals over a local and a remote host: listed as host/id, each decided on its own host, the waiting requests then exit', async ({ onTestFinished }) => {
  const near = tempDb();
  const far = tempDb();
  onTestFinished(() => (near.cleanup(), far.cleanup()));
  const ask = (db: string, action: string) => runAsync('agor', ['approval', 'request', '--action', action, '--timeout', '60s', '--json'], { db, timeout: 30_000 });
  const nearWait = ask(near.db, 'rm -rf build');
  const farWait = ask(far.db, 'git push --force');
  const r = await relay(onTestFinished, far.db);
  const { pin } = await certificate();
  const multi = new MultiSource([
    { name: 'near', source: new LocalSource(near.db) },
    { name: 'far', source: new RemoteSource(r.url, (h) => new ReconnectingRelay({ url: r.url, pin, token: ADMIN_TOKEN }, h)) },
  ]);
  onTestFinished(() => multi.close());

  const items = await waitFor(
    'both requests',
    () => multi.approvals(),
    (l) => l.length === 2,
    { timeout: 15_000, interval: 100 },
  );
  expect(items.map((a) => [a.ref, a.host, a.action, a.status])).toEqual([
    ['near/1', 'near', 'rm -rf build', 'pending'],
    ['far/1', 'far', 'git push --force', 'pending'],
  ]);

  await multi.deny('far/1', 'not on main');
  const farDone = await farWait;
  expect(farDone.code).toBe(4);
  expect(json(farDone)).toMatchObject({ status: 'denied', decided_by: 'laptop', note: 'not on main' });
  await multi.approve('near/1');
  const nearDone = await nearWait;
  expect(nearDone.code).toBe(0);
  expect(json(nearDone)).toMatchObject({ status: 'approved', decided_by: 'admin' });
  await waitFor(
    'the queue empty',
    () => multi.approvals(),
    (l) => l.length === 0,
    { timeout: 10_000, interval: 100 },
  );
  await expect(multi.approve('nowhere/1')).rejects.toThrow(/names no host/);
});
