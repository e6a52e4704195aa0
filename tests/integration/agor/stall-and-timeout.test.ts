import { describe, expect, it } from 'vitest';
import { AGOR_SH, BTMSG_SH, group, ms, sh, sleep } from './fixture.js';

describe.concurrent('agor stall detection', () => {
  it('shows a silent agent as idle, then stalled with a stall event, and running again when output resumes', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { quiet: { command: sh('echo hello; sleep 7; while :; do echo again; sleep 0.3; done'), stall_after: '4s', stop_grace: '1s' } },
    });
    await g.up();
    const c = await g.connect();
    expect((await c.request('subscribe')).ok).toBe(true);

    // Idle after 2 s of quiet (half of stall_after), stalled after 4 s: time enough to subscribe
    // first, even on a busy machine.
    const stall = await c.next('a stall event', (l) => l.event === 'stall', 10_000);
    const a = await g.agent('quiet');
    expect(stall).toMatchObject({ agent: 'quiet', run: a.run_id, action: 'none' });
    expect(stall.silent_s).toBeGreaterThanOrEqual(4);
    expect(a).toMatchObject({ state: 'stalled', attention: 100, attention_reason: 'stalled' });
    expect(a.pid).not.toBeNull();

    // Stalled is not an end: the run goes on, and new output makes it running again.
    await c.next('running again', (l) => l.event === 'state' && l.agent === 'quiet' && l.state === 'running', 8000);
    expect(await g.agent('quiet')).toMatchObject({ state: 'running', pid: a.pid, run_id: a.run_id, attention: 0 });
    const states = c.lines.filter((l) => l.event === 'state' && l.agent === 'quiet').map((l) => l.state);
    expect(states).toEqual(['idle', 'stalled', 'running']);
    expect(await g.runs('quiet')).toHaveLength(1);
  });

  it('with on_stall: kill ends the stalled run as failed with a note, and does not start it again', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        hung: { command: sh('echo once; exec sleep 300'), stall_after: '2s', on_stall: 'kill', stop_grace: '1s', restart: { backoff: '200ms' } },
      },
    });
    await g.up();
    const [run] = await g.waitRuns('hung', 'a run that ended', (rs) => rs[0]?.outcome != null, 8000);
    expect(run).toMatchObject({ outcome: 'failed', signal: 'SIGTERM', note: 'killed after 2 s without output or heartbeat' });
    expect(ms(run!.ended_at) - ms(run!.started_at)).toBeGreaterThanOrEqual(2000);
    // kill stops it (man agor.yaml: on_stall); restarting is what on_stall: restart is for.
    await sleep(1500);
    expect(await g.runs('hung')).toHaveLength(1);
    const a = await g.agent('hung');
    expect(a.pid).toBeNull();
    expect(['inactive', 'failed']).toContain(a.state);
  });

  it('with on_stall: restart stops the stalled run and starts the agent again', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        hung: { command: sh('echo once; exec sleep 300'), stall_after: '2s', on_stall: 'restart', stop_grace: '1s', restart: { backoff: '200ms' } },
      },
    });
    await g.up();
    const runs = await g.waitRuns('hung', 'a second run', (rs) => rs.length === 2 && rs[1]!.pid !== null, 8000);
    expect(runs[0]).toMatchObject({ outcome: 'failed', note: 'killed after 2 s without output or heartbeat' });
    expect(runs[1]).toMatchObject({ outcome: null, wake_reason: 'restart' });
    // Its process runs again; on a loaded machine its first line may come late enough for it to show idle.
    const again = await g.agent('hung');
    expect(again.pid).toBe(runs[1]!.pid);
    expect(['running', 'idle']).toContain(again.state);
  });

  it('counts btmsg heartbeats and agor reports of the run as signs of life', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        beating: { command: sh(`while :; do ${BTMSG_SH} heartbeat >/dev/null 2>&1; sleep 0.6; done`), stall_after: '2s', stop_grace: '1s' },
        reporting: { command: sh(`while :; do ${AGOR_SH} report --tokens-in 7 >/dev/null 2>&1; sleep 0.6; done`), stall_after: '2s', stop_grace: '1s' },
      },
    });
    await g.up();
    const c = await g.connect();
    expect((await c.request('subscribe')).ok).toBe(true);
    await sleep(4500);
    expect(c.lines.filter((l) => l.event === 'stall')).toEqual([]);
    const ps = await g.ps();
    expect(ps.map((a) => [a.id, a.state])).toEqual([
      ['beating', 'running'],
      ['reporting', 'running'],
    ]);
    // Neither wrote a byte of output: the heartbeats alone kept them alive.
    const [b] = await g.runs('beating');
    expect(g.logOf(b!)).toBe('');
    expect(b!.heartbeat_at).not.toBeNull();
    const [r] = await g.runs('reporting');
    expect(r).toMatchObject({ tokens_in: 7 });
  });
});

describe.concurrent('agor run timeout', () => {
  it('stops an on-demand run at its wall-clock timeout with outcome timeout', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        slow: { mode: 'on-demand', command: sh('echo working; exec sleep 60'), timeout: '2s', stop_grace: '1s' },
        deaf: { mode: 'on-demand', command: sh('trap "" TERM; echo working; while :; do sleep 1; done'), timeout: '2s', stop_grace: '1s' },
      },
    });
    await g.up();
    expect((await g.agor(['wake', 'slow'])).code).toBe(0);
    expect((await g.agor(['wake', 'deaf'])).code).toBe(0);

    const [slow] = await g.waitRuns('slow', 'a timed-out run', (rs) => rs[0]?.outcome != null, 8000);
    expect(slow).toMatchObject({ outcome: 'timeout', signal: 'SIGTERM', timeout_ms: 2000, note: 'wall-clock timeout of 2 s', error_class: null });
    const took = ms(slow!.ended_at) - ms(slow!.started_at);
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(3500);

    // One that ignores SIGTERM gets SIGKILL after stop_grace; the outcome is still timeout.
    const [deaf] = await g.waitRuns('deaf', 'a timed-out run', (rs) => rs[0]?.outcome != null, 8000);
    expect(deaf).toMatchObject({ outcome: 'timeout', signal: 'SIGKILL' });
    expect(ms(deaf!.ended_at) - ms(deaf!.started_at)).toBeGreaterThanOrEqual(3000);

    // A timeout is not a failure: no retry, the agent rests until the next wake.
    await sleep(500);
    expect(await g.runs('slow')).toHaveLength(1);
    expect(await g.agent('slow')).toMatchObject({ state: 'dormant', health: 'healthy', pid: null });
  });

  it('takes the timeout of agor wake --timeout over the agent’s own', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { slow: { mode: 'on-demand', command: sh('exec sleep 60'), stop_grace: '1s' } } });
    await g.up();
    expect((await g.agor(['wake', 'slow', '--timeout', '1s'])).code).toBe(0);
    const [run] = await g.waitRuns('slow', 'a timed-out run', (rs) => rs[0]?.outcome != null, 6000);
    expect(run).toMatchObject({ outcome: 'timeout', timeout_ms: 1000 });
    expect(ms(run!.ended_at) - ms(run!.started_at)).toBeLessThan(2500);
  });
});
