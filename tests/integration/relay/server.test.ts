import { describe, expect, it } from 'vitest';
import { type AgentView, alive, group, sh, sql, waitFor } from '../agor/fixture.js';
import { ADMIN_TOKEN, Client, READ_TOKEN, refusal, relay } from './relay.js';

/** What changes from one moment to the next in an agent's view. */
const still = ({ uptime_s: _u, last_output_at: _o, ...rest }: AgentView) => rest;

describe.concurrent('agor-relay serving a database', () => {
  it('answers hello and list as agor ps --json does locally, with and without a supervisor', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { group: 'team', agents: { worker: { command: sh('echo up; exec sleep 300'), stop_grace: '1s' } } });
    const up = await g.up();
    await g.waitAgent('worker', 'running', (a) => a.state === 'running');
    const r = await relay(onTestFinished, g.db);
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());

    const hello = await c.ok('hello');
    expect(hello).toMatchObject({ protocol: 1, relay: 1, db: g.db, group: 'team', token: 'laptop', role: 'admin', supervisor: { pid: up.pid, group: 'team' } });
    const viaRelay = await c.ok<AgentView[]>('list');
    const local = await g.ps();
    expect(viaRelay.map(still)).toEqual(local.map(still));
    expect(Object.keys(viaRelay[0]!).sort()).toEqual(Object.keys(local[0]!).sort());

    // The supervisor goes away: the relay says so to a subscriber and answers from the database.
    await c.ok('subscribe');
    expect((await g.down()).code).toBe(0);
    await c.next('the upstream lost event', (m) => m.event === 'upstream' && m.status === 'lost');
    expect(await c.ok('status')).toMatchObject({ state: 'lost' });
    const offline = await c.ok<AgentView[]>('list');
    expect(offline.map(still)).toEqual((await g.ps()).map(still));
    expect(offline[0]).toMatchObject({ id: 'worker', supervised: false });

    // And it finds the next supervisor by itself.
    const again = await g.up();
    await c.next('the upstream attached event', (m) => m.event === 'upstream' && m.status === 'attached' && m.pid === again.pid, 15_000);
    expect(await c.ok('hello')).toMatchObject({ supervisor: { pid: again.pid } });
  });

  it('starts and serves while the supervisor does not answer, and attaches once it does', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { worker: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const up = await g.up();
    process.kill(up.pid, 'SIGSTOP');
    onTestFinished(() => void process.kill(up.pid, 'SIGCONT'));
    const t0 = Date.now();
    const r = await relay(onTestFinished, g.db);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());
    expect(await c.ok('hello')).toMatchObject({ supervisor: null });
    expect((await c.ok<AgentView[]>('list'))[0]).toMatchObject({ id: 'worker', supervised: false });
    process.kill(up.pid, 'SIGCONT');
    await waitFor(
      'the relay to attach',
      () => c.ok('hello'),
      (h) => h.supervisor?.pid === up.pid,
      { timeout: 15_000, interval: 200 },
    );
  });

  it('stops an agent for an admin token and audits the action under the token name', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { worker: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    await g.up();
    const running = await g.waitAgent('worker', 'running', (a) => a.pid !== null);
    const r = await relay(onTestFinished, g.db);
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());

    const stopped = await c.ok<AgentView[]>('stop', { agents: ['worker'] });
    expect(stopped[0]).toMatchObject({ id: 'worker', state: 'inactive', pid: null });
    expect(alive(running.pid!)).toBe(false);
    expect((await g.agent('worker')).state).toBe('inactive');
    const audit = sql(g.db, (db) => db.prepare(`SELECT agent_id, detail FROM audit_log WHERE event_type = 'relay_action'`).all()) as {
      agent_id: string;
      detail: string;
    }[];
    expect(audit.map((a) => ({ agent: a.agent_id, ...JSON.parse(a.detail) }))).toEqual([{ agent: 'admin', token: 'laptop', op: 'stop', agents: ['worker'] }]);
    expect(r.logs).toContainEqual(expect.objectContaining({ event: 'action', token: 'laptop', detail: 'stop' }));
  });

  it('refuses an action to a read token with not_permitted, does nothing, and audits the refusal', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { worker: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    await g.up();
    const running = await g.waitAgent('worker', 'running', (a) => a.pid !== null);
    const r = await relay(onTestFinished, g.db);
    const c = await Client.open(r.url, READ_TOKEN);
    onTestFinished(() => c.close());

    expect(await c.ok('hello')).toMatchObject({ token: 'watcher', role: 'read' });
    for (const [op, args] of [
      ['stop', { agents: ['worker'] }],
      ['shutdown', {}],
      ['send', { to: 'worker', text: 'hi' }],
    ] as const) {
      const res = await c.request(op, args);
      expect(res).toMatchObject({ ok: false, error: { code: 'not_permitted', exit: 4 } });
    }
    expect(await g.agent('worker')).toMatchObject({ state: 'running', pid: running.pid });
    expect(alive(running.pid!)).toBe(true);
    const refusals = sql(g.db, (db) => db.prepare(`SELECT detail FROM audit_log WHERE event_type = 'relay_refused'`).all()) as { detail: string }[];
    expect(refusals.map((a) => JSON.parse(a.detail))).toEqual([
      { token: 'watcher', op: 'stop' },
      { token: 'watcher', op: 'shutdown' },
      { token: 'watcher', op: 'send' },
    ]);
    // Reads still work for it.
    expect((await c.ok<AgentView[]>('list'))[0]).toMatchObject({ id: 'worker' });
  });

  it('refuses an upgrade without a token with HTTP 401', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db);
    const res = await refusal(Client.open(r.url, null));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('serves plain ws when started without TLS, with the same token check', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db, { tls: null });
    expect(r.url).toMatch(/^ws:\/\//);
    expect((await refusal(Client.open(r.url, null))).status).toBe(401);
    const c = await Client.open(r.url, READ_TOKEN);
    onTestFinished(() => c.close());
    expect(await c.ok('hello')).toMatchObject({ token: 'watcher', role: 'read', supervisor: null });
  });

  it('answers bad JSON and unknown ops with bad_request and keeps the connection usable', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db);
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());
    c.ws.send('not json');
    await c.next('the answer to bad JSON', (m) => m.id === null && m.ok === false);
    expect(c.msgs[0]).toMatchObject({ id: null, ok: false, error: { code: 'bad_request', exit: 2 } });
    expect(await c.request('frobnicate')).toMatchObject({ ok: false, error: { code: 'bad_request', hint: expect.stringContaining('move_task') } });
    expect(await c.ok('status')).toEqual({ state: 'none', pid: null, group: null });
    // Many requests at once: the relay stops reading past 8 in flight, and reads on as it answers.
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => c.request(i % 2 ? 'list' : 'feed', { limit: 5 })));
    expect(many.every((m) => m.ok)).toBe(true);
  });
});
