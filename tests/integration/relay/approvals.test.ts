import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, runAsync, tempDb } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';
import { ADMIN_TOKEN, Client, READ_TOKEN, certificate, relay } from './relay.js';

describe.concurrent('approvals through agor-relay', () => {
  it('lists pending requests to any token, and approves with an admin token, audited with the token name', async ({ onTestFinished }) => {
    const t = tempDb();
    onTestFinished(t.cleanup);
    const waiting = runAsync('agor', ['approval', 'request', '--action', 'git push --force', '--timeout', '60s', '--json'], { db: t.db, timeout: 30_000 });
    await waitFor(
      'the pending request',
      async () => json<unknown[]>(await runAsync('agor', ['approval', 'list', '--json'], { db: t.db })),
      (l) => l.length === 1,
      { timeout: 10_000, interval: 100 },
    );
    const r = await relay(onTestFinished, t.db);
    const admin = await Client.open(r.url, ADMIN_TOKEN);
    const reader = await Client.open(r.url, READ_TOKEN);
    onTestFinished(() => (admin.close(), reader.close()));

    const [p] = await reader.ok<{ id: number; action: string; status: string }[]>('approvals');
    expect(p).toMatchObject({ action: 'git push --force', status: 'pending' });

    // A read token may look, not decide: refused, nothing done, audited.
    const refused = await reader.request('approve', { request: p!.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_permitted', exit: 4 } });
    expect(await reader.ok('approvals')).toHaveLength(1);

    expect(await admin.ok('approve', { request: p!.id, note: 'from the laptop' })).toMatchObject({
      id: p!.id,
      status: 'approved',
      decided_by: 'laptop',
      note: 'from the laptop',
    });
    const done = await waiting;
    expect(done.code, done.stderr).toBe(0);
    expect(json(done)).toMatchObject({ status: 'approved', decided_by: 'laptop' });
    expect(await admin.request('deny', { request: p!.id })).toMatchObject({ ok: false, error: { code: 'conflict', exit: 5 } });
    expect(await admin.request('deny', { request: 'x' })).toMatchObject({ ok: false, error: { code: 'usage' } });

    const audit = json<{ agent: string; type: string; detail: Record<string, unknown> }[]>(
      await runAsync('agor', ['audit', '--json', '-n', '100'], { db: t.db }),
    ).map((a) => [a.agent, a.type, a.detail]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['admin', 'relay_refused', { token: 'watcher', op: 'approve' }],
        ['laptop', 'approval_approved', expect.objectContaining({ id: p!.id, by: 'laptop', note: 'from the laptop' })],
        ['admin', 'relay_action', { token: 'laptop', op: 'approve', request: p!.id }],
      ]),
    );
    expect(await reader.ok('approvals', { all: true })).toMatchObject([{ id: p!.id, status: 'approved' }]);
  });

  it('agor --host NAME deny decides a request on that host, under the name of the host token', async ({ onTestFinished }) => {
    const t = tempDb();
    onTestFinished(t.cleanup);
    const waiting = runAsync('agor', ['approval', 'request', '--action', 'drop database', '--timeout', '60s'], { db: t.db, timeout: 30_000 });
    const list = async () => json<{ id: number }[]>(await runAsync('agor', ['approval', 'list', '--json'], { db: t.db }));
    const [p] = await waitFor('the pending request', list, (l) => l.length === 1, { timeout: 10_000, interval: 100 });
    const r = await relay(onTestFinished, t.db);
    const home = mkdtempSync(join(tmpdir(), 'agor-client-'));
    onTestFinished(() => rmSync(home, { recursive: true, force: true }));
    const env = { XDG_CONFIG_HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}` };
    const add = await runAsync('agor', ['hosts', 'add', 'srv', r.url, '--pin', (await certificate()).pin], { env, input: `${ADMIN_TOKEN}\n` });
    expect(add.code, add.stderr).toBe(0);
    const deny = await runAsync('agor', ['--host', 'srv', 'deny', String(p!.id), '--note', 'not today'], { env });
    expect(deny.code, deny.stderr).toBe(0);
    expect(deny.stdout).toBe(`request ${p!.id} denied by laptop: drop database (not today)\n`);
    expect((await waiting).code).toBe(4);
    const again = await runAsync('agor', ['--host', 'srv', 'approve', String(p!.id), '--json'], { env });
    expect(again.code).toBe(5);
  });
});
