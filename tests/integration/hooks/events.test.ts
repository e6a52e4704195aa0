import { describe, expect, test } from 'vitest';
import { run } from '../../helpers/cli.js';
import { group, sh, sql } from '../agor/fixture.js';
import { hookYaml, recorder, waitSeen } from './fixture.js';

describe('event hooks', () => {
  test('a run that ends fires run_end, and a run that fails for good fires agent_failed, each once with its payload on stdin and in the environment', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished);
    const r = recorder(g);
    g.write(
      hookYaml({ run_end: r.argv, agent_failed: r.argv }, { crash: { command: sh('exit 3'), restart: { max_retries: 0 } }, other: { command: sh('sleep 1000') } }),
    );
    await g.up({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nowhere' });
    const seen = await waitSeen('run_end and agent_failed of crash', r.seen, (s) => s.length >= 2 && s.some((x) => x.env.AGOR_EVENT === 'agent_failed'));
    const runs = await g.runs('crash');
    const end = seen.find((s) => s.env.AGOR_EVENT === 'run_end')!;
    expect(end.stdin).toMatchObject({ event: 'run_end', group: 'test', agent: 'crash', run_id: runs[0]!.id, outcome: 'failed', exit_code: 3 });
    expect(end.env).toMatchObject({ AGOR_AGENT: 'crash', AGOR_RUN_ID: runs[0]!.id, AGOR_OUTCOME: 'failed', AGOR_DB: g.db, AGOR_GROUP: 'test' });
    // Hooks are not agents, and nothing that leads to the keyring reaches them.
    expect(end.env.BTMSG_AGENT_ID).toBeUndefined();
    expect(end.env.DBUS_SESSION_BUS_ADDRESS).toBeUndefined();
    expect(end.cwd).toBe(g.dir);
    const failed = seen.find((s) => s.env.AGOR_EVENT === 'agent_failed')!;
    expect(failed.stdin).toMatchObject({ event: 'agent_failed', agent: 'crash', health: 'failed' });
    await g.down();
    expect(
      r
        .seen()
        .filter((s) => s.stdin.agent === 'crash')
        .map((s) => s.env.AGOR_EVENT)
        // Once each, in either order: hooks run side by side.
        .sort(),
    ).toEqual(['agent_failed', 'run_end']);
  });

  test("a wake fires wake, a stall fires stall, and an agent's own hooks add to the group's for events about it", async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = recorder(g);
    g.write(
      hookYaml(
        { wake: r.argv },
        {
          napper: { command: sh('sleep 1000'), mode: 'on-demand', stall_after: '1s', hooks: { stall: r.argv, wake: [[...r.argv, 'own']] } },
        },
      ),
    );
    await g.up();
    expect((await g.agor(['wake', 'napper', '--reason', 'look'])).code).toBe(0);
    const seen = await waitSeen(
      'a wake (twice: the group and the agent) and a stall',
      r.seen,
      (s) => s.filter((x) => x.env.AGOR_EVENT === 'wake').length === 2 && s.some((x) => x.env.AGOR_EVENT === 'stall'),
    );
    const wake = seen.find((s) => s.env.AGOR_EVENT === 'wake')!;
    expect(wake.stdin).toMatchObject({ event: 'wake', agent: 'napper', wake: expect.any(Number) });
    const stall = seen.find((s) => s.env.AGOR_EVENT === 'stall')!;
    const [run] = await g.runs('napper');
    expect(stall.stdin).toMatchObject({ event: 'stall', agent: 'napper', run_id: run!.id, silent_s: expect.any(Number) });
    expect(stall.env.AGOR_RUN_ID).toBe(run!.id);
  });

  test('task status changes, dead letters and approval requests fire once each, with the task, the letter and the request', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = recorder(g);
    g.write(hookYaml({ task_status: r.argv, dead_letter: r.argv, approval_requested: r.argv }, { dev: { command: sh('sleep 1000'), mode: 'on-demand' } }));
    await g.up();
    const add = run('bttask', ['add', 'Fix the flaky test', '--assign', 'dev', '--json'], { db: g.db, as: 'admin' });
    const task = (JSON.parse(add.stdout) as { id: string }).id;
    expect(run('bttask', ['status', task, 'progress'], { db: g.db, as: 'admin' }).code).toBe(0);
    sql(g.db, (db) => {
      db.prepare("INSERT INTO dead_letter_queue (from_agent, to_agent, content, error) VALUES ('admin', 'dev', 'hello', 'no such agent')").run();
      db.prepare("INSERT INTO approvals (agent, run_id, action, detail, created_at) VALUES ('dev', 'r1', 'rm -rf build', 'cleanup', ?)").run(Date.now());
    });
    const seen = await waitSeen('a status change, a dead letter and an approval request', r.seen, (s) => s.length >= 3);
    const ts = seen.find((s) => s.env.AGOR_EVENT === 'task_status')!;
    expect(ts.stdin).toMatchObject({ event: 'task_status', agent: 'dev', task_id: task, old_status: 'todo', new_status: 'progress', by: 'admin' });
    expect(ts.env).toMatchObject({ TASK_ID: task, OLD_STATUS: 'todo', NEW_STATUS: 'progress', AGOR_AGENT: 'dev' });
    const dl = seen.find((s) => s.env.AGOR_EVENT === 'dead_letter')!;
    expect(dl.stdin).toMatchObject({ event: 'dead_letter', agent: 'dev', from: 'admin', to: 'dev', reason: 'no such agent', content: 'hello' });
    const ap = seen.find((s) => s.env.AGOR_EVENT === 'approval_requested')!;
    expect(ap.stdin).toMatchObject({ event: 'approval_requested', agent: 'dev', action: 'rm -rf build', detail: 'cleanup', run_id: 'r1' });
    expect(ap.env.AGOR_APPROVAL_ID).toBe(String(ap.stdin.approval_id));
    await g.down();
    expect(
      r
        .seen()
        .map((s) => s.env.AGOR_EVENT)
        .sort(),
    ).toEqual(['approval_requested', 'dead_letter', 'task_status']);
  });

  test('the filters of the long form pick the outcomes and statuses a hook runs for', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = recorder(g);
    g.write(
      hookYaml(
        { task_status: { command: r.argv, statuses: ['review', 'done'] }, run_end: { command: r.argv, outcomes: ['failed'] } },
        { ok: { command: sh('exit 0'), mode: 'on-demand' }, bad: { command: sh('exit 1'), mode: 'on-demand', restart: { max_retries: 0 } } },
      ),
    );
    await g.up();
    for (const a of ['ok', 'bad']) expect((await g.agor(['wake', a])).code).toBe(0);
    await g.waitRuns('ok', 'a run ended', (rs) => rs.some((x) => x.outcome !== null));
    await waitSeen('the failed run', r.seen, (s) => s.length >= 1);
    const task = (JSON.parse(run('bttask', ['add', 'A task', '--json'], { db: g.db, as: 'admin' }).stdout) as { id: string }).id;
    for (const st of ['progress', 'review', 'done']) expect(run('bttask', ['status', task, st], { db: g.db, as: 'admin' }).code).toBe(0);
    await waitSeen('review and done', r.seen, (s) => s.length >= 3);
    await g.down();
    expect(
      r
        .seen()
        .map((s) => `${s.env.AGOR_EVENT} ${s.env.NEW_STATUS || s.env.AGOR_AGENT}`)
        .sort(),
    ).toEqual(['run_end bad', 'task_status done', 'task_status review']);
  });
});
