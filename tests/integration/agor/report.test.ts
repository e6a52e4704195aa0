import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/cli.js';
import { AGOR_SH, BTTASK, EXIT, group, refused, sh, sleep } from './fixture.js';

const onDemand = (script: string) => ({ mode: 'on-demand', command: sh(script), stop_grace: '1s', restart: { backoff: '200ms' } });

describe.concurrent('agor report', () => {
  it('lets an agent end its run as blocked, with the reason and evidence, and does not retry it', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        blocked: onDemand(`${AGOR_SH} report --outcome blocked --reason captcha --evidence https://x; exit 0`),
        // A blocked run that then exits non-zero is still blocked, not a failure to retry.
        crashes: onDemand(`${AGOR_SH} report --outcome blocked --reason login_wall --evidence 'Sign in to continue'; exit 1`),
      },
    });
    await g.up();
    for (const a of ['blocked', 'crashes']) expect((await g.agor(['wake', a])).code).toBe(0);

    const [run] = await g.waitRuns('blocked', 'a finished run', (rs) => rs[0]?.outcome != null);
    expect(run).toMatchObject({
      outcome: 'blocked',
      exit_code: 0,
      reported_outcome: 'blocked',
      report_reason: 'captcha',
      report_evidence: 'https://x',
      note: 'captcha',
    });
    expect(g.logOf(run!)).toMatch(/^reported for run [0-9a-f]{8} of blocked: blocked\n$/);

    const [other] = await g.waitRuns('crashes', 'a finished run', (rs) => rs[0]?.outcome != null);
    expect(other).toMatchObject({ outcome: 'blocked', exit_code: 1, report_reason: 'login_wall', report_evidence: 'Sign in to continue', error_class: null });
    await sleep(800);
    expect(await g.runs('crashes')).toHaveLength(1);
    expect(await g.agent('crashes')).toMatchObject({ state: 'dormant', pid: null });
  });

  it('records partial outcomes and the usage figures an agent reports', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        partly: onDemand(
          `${AGOR_SH} report --tokens-in 1000 --turns 1 && ` +
            `${AGOR_SH} report --outcome partial --evidence 'did 3 of 5' --tokens-in 1200 --tokens-out 300 --cost 0.42 --turns 3 --tool-calls 5 --context 83%`,
        ),
      },
    });
    await g.up();
    expect((await g.agor(['wake', 'partly'])).code).toBe(0);
    const [run] = await g.waitRuns('partly', 'a finished run', (rs) => rs[0]?.outcome != null);
    expect(run).toMatchObject({
      outcome: 'partial',
      exit_code: 0,
      report_evidence: 'did 3 of 5',
      tokens_in: 1200,
      tokens_out: 300,
      cost_usd: 0.42,
      turns: 3,
      tool_calls: 5,
      context_usage: 0.83,
    });
  });

  it('refuses a report without a run (exit 2), for a run that has ended (exit 5) or does not exist (exit 3)', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { quick: onDemand('echo done') } });
    refused(
      await g.agor(['report', '--outcome', 'blocked', '--reason', 'captcha', '--evidence', 'https://x'], { env: { AGOR_RUN_ID: undefined } }),
      EXIT.USAGE,
      /no run given and AGOR_RUN_ID is not set/,
    );
    refused(await g.agor(['report', '--tokens-in', '5'], { env: { AGOR_RUN_ID: '' } }), EXIT.USAGE, /AGOR_RUN_ID is not set/);

    await g.up();
    expect((await g.agor(['wake', 'quick'])).code).toBe(0);
    const [run] = await g.waitRuns('quick', 'a finished run', (rs) => rs[0]?.outcome != null);
    refused(await g.agor(['report', '--tokens-in', '5'], { env: { AGOR_RUN_ID: run!.id } }), EXIT.CONFLICT, /has already ended/);
    refused(await g.agor(['report', '--run', 'ffffffff', '--tokens-in', '5']), EXIT.NOT_FOUND, /no run 'ffffffff'/);
    refused(await g.agor(['report', '--run', run!.id, '--outcome', 'blocked', '--reason', 'captcha']), EXIT.USAGE, /--outcome blocked needs --evidence/);
    expect((await g.runs('quick'))[0]).toMatchObject({ outcome: 'success', tokens_in: null });
  });
});

describe.concurrent('a run and the tasks it claimed', () => {
  it('gives back a task the run claimed but did not hand in, and leaves one it handed in for review', async ({ onTestFinished }) => {
    const BTTASK_SH = '"$T_NODE" "$T_BTTASK"';
    const claimer = (then: string) => ({
      mode: 'on-demand',
      command: sh(`t=$(cat "task-$AGOR_AGENT"); ${BTTASK_SH} claim "$t" && ${then}`),
      env: { T_BTTASK: BTTASK },
      restart: { max_retries: 0 },
      stop_grace: '1s',
    });
    const g = group(onTestFinished, { agents: { quitter: claimer('exit 1'), finisher: claimer(`${BTTASK_SH} status "$t" review`) } });
    await g.up();
    const ids: Record<string, string> = {};
    for (const a of ['quitter', 'finisher']) {
      const t = run('bttask', ['add', `Task for ${a}`, '--json'], { db: g.db, as: 'admin' });
      expect(t.code, t.stderr).toBe(0);
      ids[a] = (JSON.parse(t.stdout) as { id: string }).id;
      writeFileSync(join(g.dir, `task-${a}`), ids[a]!);
      expect((await g.agor(['wake', a])).code).toBe(0);
    }
    const [q] = await g.waitRuns('quitter', 'a finished run', (rs) => rs[0]?.outcome != null);
    expect(q).toMatchObject({ outcome: 'failed', exit_code: 1 });
    const [f] = await g.waitRuns('finisher', 'a finished run', (rs) => rs[0]?.outcome != null);
    expect(f).toMatchObject({ outcome: 'success' });

    const show = (id: string) =>
      JSON.parse(run('bttask', ['show', id, '--json'], { db: g.db, as: 'admin' }).stdout) as {
        task: { status: string; assigned_to: string | null; lease: unknown };
        comments: { content: string }[];
      };
    const back = show(ids.quitter!);
    expect(back.task).toMatchObject({ status: 'todo', assigned_to: null, lease: null });
    expect(back.comments.map((c) => c.content)).toEqual([`run ${q!.id} of quitter ended (failed) without the task being finished; returned to todo.`]);
    const kept = show(ids.finisher!);
    expect(kept.task).toMatchObject({ status: 'review', assigned_to: 'finisher' });
    expect(kept.comments).toEqual([]);
  });
});
