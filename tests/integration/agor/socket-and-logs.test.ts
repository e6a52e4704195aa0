import { describe, expect, it } from 'vitest';
import { type AgentView, group, sh, sleep, waitFor, waitGone } from './fixture.js';

const COUNTER = { command: sh('i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.2; done'), stop_grace: '1s' };
const HELLO = { mode: 'on-demand', command: sh('echo "hello from $AGOR_RUN_ID"'), stop_grace: '1s' };
const SLOW_HELLO = { mode: 'on-demand', command: sh('echo "hello from $AGOR_RUN_ID"; sleep 1'), stop_grace: '1s' };

describe.concurrent('the control socket', () => {
  it('serves hello, list, wake, start, stop, restart and shutdown', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { svc: COUNTER, job: HELLO } });
    const sup = await g.up();
    const c = await g.connect();
    expect(await c.request('hello')).toEqual({ id: expect.any(Number), ok: true, result: { protocol: 1, pid: sup.pid, group: 'test', config: g.file, db: g.db } });
    const list = await c.request('list');
    expect((list.result as AgentView[]).map((a) => [a.id, a.mode, a.supervised])).toEqual([
      ['svc', 'service', true],
      ['job', 'on-demand', true],
    ]);

    const w = await c.request('wake', { agent: 'job', reason: 'via socket', prompt: 'Say hello.' });
    expect(w).toMatchObject({ ok: true, result: { agent: 'job', reason: 'manual', detail: 'via socket', prompt: 'Say hello.' } });
    const [run] = await g.waitRuns('job', 'a run', (rs) => rs[0]?.outcome != null);
    expect(run).toMatchObject({ outcome: 'success', wake_reason: 'manual' });
    expect(await c.request('wake', { agent: 'nosuch' })).toMatchObject({ ok: false, error: { code: 'not_found', exit: 3 } });

    const stopped = await c.request('stop', { agents: ['svc'] });
    expect(stopped).toMatchObject({ ok: true, result: [expect.objectContaining({ id: 'svc', state: 'inactive', pid: null })] });
    const started = await c.request('start', { agents: ['svc'] });
    expect(started).toMatchObject({ ok: true, result: [expect.objectContaining({ id: 'svc', state: 'running' })] });
    const pid = (started.result as AgentView[])[0]!.pid!;
    const restarted = await c.request('restart', { agents: ['svc'] });
    expect(restarted).toMatchObject({ ok: true, result: [expect.objectContaining({ id: 'svc', state: 'running', attempts: 0 })] });
    expect((restarted.result as AgentView[])[0]!.pid).not.toBe(pid);
    expect((await g.runs('svc')).map((r) => [r.outcome, r.wake_reason])).toEqual([
      ['cancelled', 'start'],
      ['cancelled', 'start'],
      [null, 'restart'],
    ]);

    expect(await c.request('shutdown')).toMatchObject({ ok: true, result: { stopped: true } });
    // The supervisor closes the connection after answering, and exits.
    await c.closed;
    await waitGone(sup.pid, 'the supervisor');
    expect((await g.runs('svc')).every((r) => r.outcome === 'cancelled')).toBe(true);
  });

  it('sends events to subscribers only, until they unsubscribe', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { job: HELLO } });
    await g.up();
    const sub = await g.connect();
    const other = await g.connect();
    expect(await sub.request('subscribe')).toMatchObject({ ok: true, result: { subscribed: true } });
    expect((await g.agor(['wake', 'job'])).code).toBe(0);
    const end = await sub.next('run_end', (l) => l.event === 'run_end');
    expect(end).toMatchObject({ agent: 'job', outcome: 'success' });
    // The state change that follows the run's end may arrive in a later chunk.
    await sub.next('state', (l) => l.event === 'state');
    expect(sub.lines.filter((l) => 'event' in l).map((l) => l.event)).toEqual(['wake', 'run_start', 'run_end', 'state']);
    expect(other.lines).toEqual([]);

    expect(await sub.request('unsubscribe')).toMatchObject({ ok: true, result: { subscribed: false } });
    const seen = sub.lines.length;
    expect((await g.agor(['wake', 'job'])).code).toBe(0);
    await g.waitRuns('job', 'a second run', (rs) => rs.length === 2 && rs[1]!.outcome !== null);
    await sleep(200);
    expect(sub.lines.slice(seen)).toEqual([]);
  });

  it.for([
    ['runs that last a while', SLOW_HELLO],
    ['runs shorter than its polling interval', HELLO],
  ] as const)('follows an agent’s log into its next runs, %s', async ([, agent], { onTestFinished }) => {
    const g = group(onTestFinished, { agents: { job: agent } });
    await g.up();
    const c = await g.connect();
    expect(await c.request('logs', { agent: 'job', follow: true, lines: 10 })).toMatchObject({ ok: true, result: { agent: 'job', run: null, lines: [] } });
    for (let i = 0; i < 2; i++) {
      expect((await g.agor(['wake', 'job'])).code).toBe(0);
      await g.waitRuns('job', `run ${i + 1}`, (rs) => rs.length === i + 1 && rs[i]!.outcome !== null);
    }
    const runs = await g.runs('job');
    for (const r of runs) {
      expect(await c.next(`the log of run ${r.incarnation}`, (l) => l.event === 'log' && l.run === r.id, 3000)).toMatchObject({
        agent: 'job',
        text: `hello from ${r.id}\n`,
      });
    }
  });
});

describe.concurrent('agor logs', () => {
  it('prints the last lines of the latest run, or of a given run, with or without a supervisor', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { svc: COUNTER } });
    await g.up();
    await waitFor(
      'five lines of output',
      async () => (await g.agor(['logs', 'svc', '-n', '100'])).stdout,
      (o) => o.includes('line 5\n'),
    );
    const two = await g.agor(['logs', 'svc', '-n', '2']);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/^line (\d+)\nline \d+\n$/);
    const [a, b] = two.stdout
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1]));
    expect(b).toBe(a! + 1);

    const [first] = await g.runs('svc');
    expect((await g.agor(['restart', 'svc'])).code).toBe(0);
    expect((await g.down()).code).toBe(0);

    // From the files, with no supervisor: the latest run by default, an older one by --run.
    const latest = await g.agor(['logs', 'svc', '-n', '1']);
    expect(latest.stdout).toMatch(/^line \d+\n$/);
    const old = await g.agor(['logs', 'svc', '--run', first!.id.slice(0, 8), '-n', '3', '--json']);
    expect(old.code, old.stderr).toBe(0);
    const lines = old.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { agent: string; run: string; line: string });
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.agent === 'svc' && l.run === first!.id && /^line \d+$/.test(l.line))).toBe(true);
    expect(g.logOf(first!).trim().split('\n').slice(-3)).toEqual(lines.map((l) => l.line));
  });
});
