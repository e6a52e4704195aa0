import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAsync } from '../../helpers/cli.js';
import { LocalSource } from '../../../src/tui/local.js';
import { type AgentView, group, sh, sql, waitFor } from '../agor/fixture.js';
import { ADMIN_TOKEN, Client, relay } from './relay.js';

const SHAPE = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';

/** What changes from one moment to the next in an agent's view. */
const still = ({ uptime_s: _u, last_output_at: _o, ...rest }: AgentView) => rest;

describe.concurrent("agor-relay's reads and actions", () => {
  it('returns the same reads as the local dashboard source, log tails scrubbed of token shapes', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        worker: { command: sh(`echo "pushing with ${SHAPE} now"; exec sleep 300`), stop_grace: '1s' },
        reviewer: { role: 'reviewer', mode: 'on-demand', command: sh('echo reviewed'), stop_grace: '1s' },
      },
    });
    await g.up();
    await g.waitAgent('worker', 'running', (a) => a.pid !== null);
    const add = await runAsync('bttask', ['add', 'Fix the build', '--json'], { db: g.db });
    const task = (JSON.parse(add.stdout) as { id: string }).id;
    expect((await runAsync('btmsg', ['send', 'worker', 'hello there'], { db: g.db })).code).toBe(0);

    const r = await relay(onTestFinished, g.db);
    const c = await Client.open(r.url, ADMIN_TOKEN);
    const local = new LocalSource(g.db);
    onTestFinished(() => (c.close(), local.close()));
    await waitFor(
      'the local source to attach',
      () => local.supervisor().state,
      (s) => s === 'attached',
      { timeout: 10_000, interval: 50 },
    );

    const tail = await waitFor(
      "the worker's line in its log",
      () => c.ok<{ lines: string[] }>('log_tail', { agent: 'worker', lines: 10 }),
      (t) => t.lines.length > 0,
    );
    expect(tail).toEqual({ agent: 'worker', run: expect.any(String), lines: ['pushing with [REDACTED:github-token] now'] });
    expect(tail).toEqual(local.logTail('worker', 10));
    expect(JSON.stringify(await c.ok('logs', { agent: 'worker', lines: 10 }))).not.toContain(SHAPE);

    expect((await c.ok<AgentView[]>('fleet')).map(still)).toEqual(local.fleet().map(still));
    expect(await c.ok('board')).toEqual(local.board());
    expect(await c.ok('task', { task })).toEqual(local.task(task));
    expect(await c.ok('task', { task: 'nope' })).toBeNull();
    expect(await c.ok('task_history', { task })).toEqual(local.taskHistory(task));
    expect(await c.ok('feed', { limit: 50 })).toEqual(local.feed(50));
    expect(await c.ok('dead_letters', { limit: 50 })).toEqual(local.deadLetters(50));
    expect(await c.ok('runs', { agent: 'worker', limit: 20 })).toEqual(local.runs('worker', 20));
    expect(await c.ok('audit', { limit: 100 })).toEqual(local.audit({ limit: 100 }));
    expect(await c.ok('status')).toEqual(local.supervisor());
  });

  it('acts through the domain functions of the CLI verbs and audits each action with the token name', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        worker: { command: sh('exec sleep 300'), stop_grace: '1s' },
        reviewer: { role: 'reviewer', mode: 'on-demand', command: sh('echo "woken: $AGOR_WAKE_REASON"'), stop_grace: '1s' },
      },
    });
    await g.up();
    const add = await runAsync('bttask', ['add', 'Fix the build', '--json'], { db: g.db });
    const task = (JSON.parse(add.stdout) as { id: string }).id;
    const r = await relay(onTestFinished, g.db);
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());
    await c.ok('subscribe');

    expect(await c.ok('send', { to: 'worker', text: 'from afar' })).toMatchObject({ from: 'admin', to: 'worker', content: 'from afar' });
    expect(await c.ok('move_task', { task, state: 'progress', comment: 'on it' })).toMatchObject({ id: task, status: 'progress' });
    expect(await c.ok('comment', { task, text: 'halfway' })).toMatchObject({ content: 'halfway' });
    expect(await c.ok('wake', { agent: 'reviewer', reason: 'PR 42' })).toMatchObject({
      agent: 'reviewer',
      reason: 'manual',
      detail: 'PR 42',
      requested_by: 'admin',
    });
    await c.next('the reviewer run_start event', (m) => m.event === 'run_start' && m.agent === 'reviewer');
    await c.next('a changed event', (m) => m.event === 'changed');
    expect((await c.request('move_task', { task, state: 'nonsense' })).error).toMatchObject({ code: 'usage', exit: 2 });

    const detail = await c.ok<{ task: { status: string }; comments: { content: string }[] }>('task', { task });
    expect(detail.comments.map((x) => x.content)).toEqual(expect.arrayContaining(['halfway']));
    const audit = sql(g.db, (db) => db.prepare(`SELECT detail FROM audit_log WHERE event_type = 'relay_action' ORDER BY id`).all()) as { detail: string }[];
    expect(audit.map((a) => JSON.parse(a.detail))).toEqual([
      { token: 'laptop', op: 'send', to: 'worker', bytes: 9 },
      { token: 'laptop', op: 'move_task', task, state: 'progress' },
      { token: 'laptop', op: 'comment', task },
      { token: 'laptop', op: 'wake', agent: 'reviewer', reason: 'PR 42' },
      { token: 'laptop', op: 'move_task', task, state: 'nonsense', error: 'usage' },
    ]);

    // Without a supervisor: a wake waits in the database, start is refused as agor start refuses it.
    expect((await g.down()).code).toBe(0);
    await c.next('the upstream lost event', (m) => m.event === 'upstream' && m.status === 'lost');
    expect(await c.ok('wake', { agent: 'reviewer', reason: 'later' })).toMatchObject({
      agent: 'reviewer',
      detail: 'later',
      requested_by: 'admin',
      consumed_at: null,
    });
    expect(g.wakes('reviewer').at(-1)).toMatchObject({ detail: 'later', consumed_at: null });
    expect((await c.request('start', { agents: ['worker'] })).error).toMatchObject({
      code: 'failure',
      exit: 1,
      message: expect.stringMatching(/no supervisor is running/),
    });
    expect((await c.request('start', { agents: ['ghost'] })).error).toMatchObject({ code: 'not_found', exit: 3 });
    expect((await c.request('send', { to: 'ghost', text: 'x' })).error).toMatchObject({ exit: expect.any(Number) });
  });

  it('follows a log through the supervisor and from the files, scrubbed both ways, until unsubscribe', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { ticker: { command: sh(`i=0; while :; do i=$((i+1)); echo "tick $i ${SHAPE}"; sleep 0.2; done`), stop_grace: '1s' } },
    });
    await g.up();
    await g.waitAgent('ticker', 'running', (a) => a.pid !== null);
    const r = await relay(onTestFinished, g.db);
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());

    const first = await c.ok<{ agent: string; run: string; lines: string[] }>('logs', { agent: 'ticker', lines: 1, follow: true });
    expect(first).toMatchObject({ agent: 'ticker', run: expect.any(String), path: expect.stringMatching(/\.log$/) });
    const ev = await c.next('a log event', (m) => m.event === 'log' && /tick \d+/.test(m.text));
    expect(ev).toMatchObject({ agent: 'ticker', run: first.run, text: expect.stringMatching(/^tick \d+ \[REDACTED:github-token\]\n/) });
    await c.ok('unsubscribe');
    const n = c.msgs.length;
    await new Promise((res) => setTimeout(res, 800));
    expect(c.msgs.slice(n).filter((m) => m.event === 'log')).toEqual([]);

    // No supervisor: the agent's log is read from its file (agor down stopped the agent).
    expect((await g.down()).code).toBe(0);
    await waitFor(
      'the relay to see the supervisor gone',
      () => c.ok<{ state: string }>('status'),
      (s) => s.state === 'lost',
      { timeout: 15_000, interval: 100 },
    );
    const offline = await c.ok<{ lines: string[] }>('logs', { agent: 'ticker', lines: 3 });
    expect(offline.lines).toHaveLength(3);
    for (const l of offline.lines) expect(l).toMatch(/^tick \d+ \[REDACTED:github-token\]$/);
    // A follow from the files picks up what a run writes after it began.
    const followed = await c.ok<{ run: string }>('logs', { agent: 'ticker', lines: 0, follow: true });
    const log = sql(g.db, (db) => db.prepare('SELECT log_path FROM runs WHERE id = ?').get(followed.run)) as { log_path: string };
    appendFileSync(log.log_path, `by hand ${SHAPE}\n`);
    const appended = await c.next('the appended line as a log event', (m) => m.event === 'log' && m.text.startsWith('by hand'));
    expect(appended).toMatchObject({ agent: 'ticker', run: followed.run, text: 'by hand [REDACTED:github-token]\n' });
    await c.ok('unsubscribe');
    expect(JSON.stringify(c.msgs)).not.toContain(SHAPE);
    expect((await c.request('logs', { agent: 'nobody' })).error).toMatchObject({ code: 'not_found' });
  });
});
