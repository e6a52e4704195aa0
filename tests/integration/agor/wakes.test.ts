import { spawn } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btmsg, json, run } from '../../helpers/cli.js';
import { AGOR, BTMSG_SH, EXIT, group, refused, sh, sleep } from './fixture.js';

/**
 * An on-demand agent that shows what agor told it and reads its inbox. With `gated`, each
 * run goes on until the file `open` exists in the group's directory (the agent's cwd).
 */
const teller = (gated = false) => ({
  mode: 'on-demand',
  command: sh(
    'echo "reason=$AGOR_WAKE_REASON"; echo "run=$AGOR_RUN_ID agent=$AGOR_AGENT group=$AGOR_GROUP id=$BTMSG_AGENT_ID db=$AGOR_DB"; ' +
      `echo "--- prompt"; printf '%s\\n' "$AGOR_PROMPT"; echo "--- inbox"; ${BTMSG_SH} inbox` +
      (gated ? '; until [ -f open ]; do sleep 0.1; done' : ''),
  ),
  stop_grace: '1s',
});

describe.concurrent('agor wakes', () => {
  it('starts exactly one run of a dormant on-demand agent for a btmsg message, and tells it why', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { helper: teller() } });
    await g.up();
    expect(await g.agent('helper')).toMatchObject({ state: 'dormant', pid: null });
    expect(await g.runs('helper')).toEqual([]);

    const sent = btmsg(['send', 'helper', 'hi', 'there', '--json'], { db: g.db, as: 'admin' });
    expect(sent.code, sent.stderr).toBe(0);
    const msg = json<{ id: string }>(sent);

    const [run] = await g.waitRuns('helper', 'one finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    expect(run).toMatchObject({ outcome: 'success', wake_reason: 'message', incarnation: 1 });
    const log = g.logOf(run!);
    expect(log).toContain('reason=message\n');
    expect(log).toContain(`run=${run!.id} agent=helper group=test id=helper db=${g.db}\n`);
    const prompt = log.slice(log.indexOf('--- prompt\n') + 11, log.indexOf('--- inbox'));
    expect(prompt).toContain('You are helper, started by agor');
    expect(prompt).toContain(`You were woken because of:\n- a new message (btmsg show ${msg.id.slice(0, 8)})`);
    expect(prompt).toContain('Waiting for you: 1 unread message (btmsg inbox)');
    // The agent could read the message with btmsg, as itself, in the same database.
    expect(log.slice(log.indexOf('--- inbox'))).toContain('hi there');

    const wakes = g.wakes('helper');
    expect(wakes).toEqual([expect.objectContaining({ reason: 'message', detail: msg.id, run_id: run!.id })]);
    // Nothing more follows.
    await sleep(1000);
    expect(await g.runs('helper')).toHaveLength(1);
    expect(await g.agent('helper')).toMatchObject({ state: 'dormant', pending_wakes: 0 });
  });

  it('coalesces ten wakes that arrive during a run into one follow-up run that consumes them all', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { worker: teller(true) } });
    await g.up();
    expect((await g.agor(['wake', 'worker', '--reason', 'first'])).code).toBe(0);
    const first = await g.waitAgent('worker', 'running', (a) => a.run_id !== null);

    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => g.agor(['wake', 'worker', '--reason', `n${i}`])));
    expect(rs.map((r) => r.code)).toEqual(Array(10).fill(0));
    // All ten came in while the first run was still going.
    expect(await g.agent('worker')).toMatchObject({ run_id: first.run_id, pending_wakes: 10 });
    writeFileSync(join(g.dir, 'open'), '');

    const runs = await g.waitRuns('worker', 'two finished runs', (x) => x.length >= 2 && x.every((r) => r.outcome !== null), 15_000);
    await sleep(1000);
    expect(await g.runs('worker')).toHaveLength(2);
    expect(runs.map((r) => [r.outcome, r.wake_reason])).toEqual([
      ['success', 'manual'],
      ['success', 'manual×10'],
    ]);
    const wakes = g.wakes('worker');
    expect(wakes).toHaveLength(11);
    expect(wakes.filter((w) => w.run_id === runs[0]!.id).map((w) => w.detail)).toEqual(['first']);
    expect(
      wakes
        .filter((w) => w.run_id === runs[1]!.id)
        .map((w) => w.detail)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`));
    const log = g.logOf(runs[1]!);
    for (let i = 0; i < 10; i++) expect(log).toContain(`- manual: n${i}\n`);
    expect(await g.agent('worker')).toMatchObject({ state: 'dormant', pending_wakes: 0 });
  });

  it('takes agor wake from a cron job: bare environment, no terminal, the binary called by its path', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { helper: teller() } });
    await g.up();
    accessSync(AGOR, constants.X_OK);
    // cron's PATH; a crontab that runs a Node program puts node's directory on it too.
    const node = dirname(process.execPath);
    const PATH = ['/usr/bin', '/bin'].includes(node) ? '/usr/bin:/bin' : `${node}:/usr/bin:/bin`;
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(AGOR, ['wake', 'helper', '--reason', 'nightly', '--db', g.db], { env: { PATH, HOME: homedir() }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end();
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^queued wake #\d+ for helper\n/);
    expect(r.stderr).toBe('');

    const [run] = await g.waitRuns('helper', 'one finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    expect(run).toMatchObject({ outcome: 'success', wake_reason: 'manual' });
    expect(g.logOf(run!)).toContain('- manual: nightly\n');
  });

  it('keeps a wake queued while no supervisor runs, and delivers it once at the next agor up', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { helper: teller() } });
    await g.up();
    expect((await g.down()).code).toBe(0);

    const w = await g.ok<{ id: number; agent: string; supervisor_running: boolean }>(['wake', 'helper', '--reason', 'later']);
    expect(w).toMatchObject({ agent: 'helper', supervisor_running: false });
    expect(await g.agent('helper')).toMatchObject({ pending_wakes: 1, supervised: false });
    expect(await g.runs('helper')).toEqual([]);

    await g.up();
    const [run] = await g.waitRuns('helper', 'one finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    expect(run).toMatchObject({ outcome: 'success', wake_reason: 'manual' });
    expect(g.wakes('helper')).toEqual([expect.objectContaining({ id: w.id, detail: 'later', run_id: run!.id })]);
    await sleep(800);
    expect(await g.runs('helper')).toHaveLength(1);
  });

  it('refuses to wake an agent agor does not manage: exit 3, with or without a supervisor', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { helper: teller() } });
    refused(await g.agor(['wake', 'helper']), EXIT.NOT_FOUND, /no agent 'helper' is managed by agor here/);
    await g.up();
    refused(await g.agor(['wake', 'nosuch', '--reason', 'x']), EXIT.NOT_FOUND, /no agent 'nosuch'/);
    // btmsg's own agents are not agor's.
    expect(btmsg(['register', 'bob', 'Bob', 'project', 'demo'], { db: g.db }).code).toBe(0);
    refused(await g.agor(['wake', 'bob']), EXIT.NOT_FOUND, /no agent 'bob'/);
    expect(await g.runs()).toEqual([]);
  });

  it('runs an on-demand agent once for agor start', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { helper: teller() } });
    await g.up();
    const r = await g.agor(['start', 'helper', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [run] = await g.waitRuns('helper', 'one finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    expect(run).toMatchObject({ outcome: 'success', wake_reason: 'manual' });
    expect(g.logOf(run!)).toContain('- manual: agor start\n');
  });

  it('wakes an agent when a task is assigned to it, with reason task', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { helper: teller() } });
    await g.up();
    const c = await g.connect();
    expect((await c.request('subscribe')).ok).toBe(true);
    const t = run('bttask', ['add', 'Fix the flaky test', '--assign', 'helper', '--json'], { db: g.db, as: 'admin' });
    expect(t.code, t.stderr).toBe(0);
    const [r] = await g.waitRuns('helper', 'one finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    expect(r).toMatchObject({ outcome: 'success', wake_reason: 'task' });
    expect(g.logOf(r!)).toMatch(/- a task was assigned to you \(message [0-9a-f]{8}\)/);
    expect(await c.next('the wake event', (l) => l.event === 'wake')).toMatchObject({ agent: 'helper', reason: 'task' });
    expect(await c.next('the run_start event', (l) => l.event === 'run_start')).toMatchObject({ agent: 'helper', run: r!.id, wake_reason: 'task' });
    expect(await c.next('the run_end event', (l) => l.event === 'run_end')).toMatchObject({ agent: 'helper', run: r!.id, outcome: 'success', exit_code: 0 });
  });

  it('hands the prompt over as configured: in an argument, on stdin or in $AGOR_PROMPT', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        byarg: {
          mode: 'on-demand',
          command: ['sh', '-c', 'printf "arg:%s\\n" "$1"; echo "env:${AGOR_PROMPT:-unset}"', 'sh', '{prompt}'],
          prompt: 'Standing orders.',
        },
        bystdin: { mode: 'on-demand', command: sh('echo "env:${AGOR_PROMPT:-unset}"; sed "s/^/stdin:/"'), prompt_via: 'stdin', prompt: 'Standing orders.' },
        byenv: { mode: 'on-demand', command: sh('printf "env:%s\\n" "$AGOR_PROMPT"'), prompt: 'Standing orders.' },
      },
    });
    await g.up();
    for (const a of ['byarg', 'bystdin', 'byenv']) expect((await g.agor(['wake', a, '--reason', 'go'])).code).toBe(0);
    const expected = (prefix: string) => `${prefix}Standing orders.\n${prefix}\n${prefix}You are `;
    const [a] = await g.waitRuns('byarg', 'a run', (rs) => rs[0]?.outcome != null);
    expect(g.logOf(a!)).toContain('arg:Standing orders.\n\nYou are byarg, started by agor (wake).\n');
    expect(g.logOf(a!)).toContain('env:unset\n');
    const [s2] = await g.waitRuns('bystdin', 'a run', (rs) => rs[0]?.outcome != null);
    expect(g.logOf(s2!)).toContain(expected('stdin:'));
    expect(g.logOf(s2!)).toContain('env:unset\n');
    const [e] = await g.waitRuns('byenv', 'a run', (rs) => rs[0]?.outcome != null);
    expect(g.logOf(e!)).toContain('env:Standing orders.\n\nYou are byenv, started by agor (wake).\n');
    for (const r of [a, s2, e]) expect(g.logOf(r!)).toContain('- manual: go');
  });

  it('gives an agent its own identity, not the supervisor’s AGOR_ and BTMSG_ variables', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { helper: { mode: 'on-demand', command: sh('env | grep -E "^(AGOR_|BTMSG_)" | grep -v AGOR_PROMPT | sort'), env: { MINE: 'yes' } } },
    });
    await g.up({ BTMSG_AGENT_ID: 'intruder', AGOR_LOG_MAX_BYTES: '5000000', AGOR_DB: '/nowhere.db' });
    expect((await g.agor(['wake', 'helper'])).code).toBe(0);
    const [r] = await g.waitRuns('helper', 'a run', (rs) => rs[0]?.outcome != null);
    expect(g.logOf(r!).trim().split('\n')).toEqual([
      'AGOR_AGENT=helper',
      `AGOR_DB=${g.db}`,
      'AGOR_GROUP=test',
      `AGOR_RUN_ID=${r!.id}`,
      'AGOR_WAKE_REASON=manual',
      'BTMSG_AGENT_ID=helper',
    ]);
  });

  it('runs at most max_concurrent agents at once; a wake beyond that waits its turn', async ({ onTestFinished }) => {
    const gated = { mode: 'on-demand', command: sh('until [ -f "open-$AGOR_AGENT" ]; do sleep 0.1; done'), stop_grace: '1s' };
    const g = group(onTestFinished, { max_concurrent: 1, agents: { one: gated, two: gated } });
    await g.up();
    expect((await g.agor(['wake', 'one'])).code).toBe(0);
    await g.waitAgent('one', 'running', (a) => a.state === 'running');
    expect((await g.agor(['wake', 'two'])).code).toBe(0);
    await sleep(800);
    expect(await g.agent('two')).toMatchObject({ state: 'dormant', pid: null, pending_wakes: 1 });
    expect(await g.runs('two')).toEqual([]);

    writeFileSync(join(g.dir, 'open-one'), '');
    await g.waitAgent('two', 'running once one has finished', (a) => a.state === 'running');
    expect((await g.runs('one'))[0]).toMatchObject({ outcome: 'success' });
    writeFileSync(join(g.dir, 'open-two'), '');
    const [r] = await g.waitRuns('two', 'a finished run', (rs) => rs[0]?.outcome != null);
    expect(r).toMatchObject({ outcome: 'success', wake_reason: 'manual' });
  });
});
