import { describe, expect, it } from 'vitest';
import { group, ms, sh, sleep } from './fixture.js';

describe.concurrent('agor restart policy', () => {
  it('restarts a crashing service after 200, 400 and 800 ms, then marks it failed and starts nothing more', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { crash: { command: sh('echo boom; exit 1'), restart: { max_retries: 3, backoff: '200ms', backoff_cap: '2s' }, stop_grace: '1s' } },
    });
    await g.up();
    await g.waitAgent('crash', 'failed', (a) => a.state === 'failed', 15_000);

    const runs = await g.runs('crash');
    expect(runs.map((r) => [r.incarnation, r.outcome, r.exit_code, r.error_class])).toEqual([
      [1, 'failed', 1, 'unknown'],
      [2, 'failed', 1, 'unknown'],
      [3, 'failed', 1, 'unknown'],
      [4, 'failed', 1, 'unknown'],
    ]);
    expect(runs[0]!.wake_reason).toBe('start');
    // The recorded delays are the configured ones, exactly.
    expect(runs.slice(1).map((r) => [r.wake_reason, r.restart_delay_ms])).toEqual([
      ['restart', 200],
      ['restart', 400],
      ['restart', 800],
    ]);
    // …and they are the pauses the runs actually had, between one's end and the next one's start.
    for (let i = 1; i < runs.length; i++) {
      const gap = ms(runs[i]!.started_at) - ms(runs[i - 1]!.ended_at);
      expect(gap, `pause before run ${i + 1}`).toBeGreaterThanOrEqual(runs[i]!.restart_delay_ms! - 5);
      expect(gap, `pause before run ${i + 1}`).toBeLessThan(runs[i]!.restart_delay_ms! + 400);
    }
    expect(await g.agent('crash')).toMatchObject({
      state: 'failed',
      health: 'failed',
      pid: null,
      run_id: null,
      restarts: 3,
      attention: 90,
      attention_reason: 'error',
    });

    // Failed is final: nothing starts on its own.
    await sleep(2000);
    expect(await g.runs('crash')).toHaveLength(4);
    expect(await g.agent('crash')).toMatchObject({ state: 'failed', health: 'failed' });

    // agor restart clears it, and the policy starts over from the base delay.
    const r = await g.agor(['restart', 'crash', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ id: 'crash', health: 'healthy' })]);
    const again = await g.waitRuns('crash', 'four more runs after agor restart', (rs) => rs.length === 8 && rs.every((x) => x.outcome !== null), 15_000);
    expect(again[4]!.wake_reason).toBe('restart');
    expect(again.slice(5).map((x) => x.restart_delay_ms)).toEqual([200, 400, 800]);
    expect(await g.waitAgent('crash', 'failed again', (a) => a.state === 'failed')).toMatchObject({ health: 'failed' });
  });

  it('sets the restart count back to zero after a run that lasted stable_after, so the next delay is the base again', async ({ onTestFinished }) => {
    // Runs 1 and 2 fail at once; run 3 lasts 6 s (stable_after is 1 s: time enough to look at it on a loaded machine) and fails; run 4 stays up.
    const g = group(onTestFinished, {
      agents: {
        flaky: {
          command: sh(
            'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "run $n"; ' +
              'case $n in 1|2) exit 1;; 3) sleep 6; exit 1;; *) exec sleep 300;; esac',
          ),
          restart: { max_retries: 5, backoff: '200ms', backoff_cap: '5s', stable_after: '1s' },
          stop_grace: '1s',
        },
      },
    });
    await g.up();
    // While run 3 goes on past stable_after, the supervisor already counts it as healthy again.
    const during = await g.waitAgent('flaky', 'healthy during its third run', (a) => a.state === 'running' && a.health === 'healthy' && a.attempts === 0, 8000);
    expect((await g.runs('flaky')).length).toBe(3);
    expect(during.restarts).toBe(2);

    const runs = await g.waitRuns('flaky', 'a fourth run', (rs) => rs.length === 4, 15_000);
    expect(runs.map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed', null]);
    expect(runs.slice(1).map((r) => r.restart_delay_ms)).toEqual([200, 400, 200]);
    expect(ms(runs[2]!.ended_at) - ms(runs[2]!.started_at)).toBeGreaterThanOrEqual(1000);
    // And run 4, once it has lasted stable_after in turn, is healthy again.
    expect(await g.waitAgent('flaky', 'healthy in its fourth run', (a) => a.health === 'healthy', 5000)).toMatchObject({ state: 'running', attempts: 0 });
  });

  it('classifies a failure from the end of its output: auth and quota are not retried, rate limits are, overload waits four times longer', async ({
    onTestFinished,
  }) => {
    const policy = { max_retries: 1, backoff: '200ms', backoff_cap: '5s' };
    const failing = (text: string, mode = 'service') => ({ mode, command: sh(`echo working; echo '${text}' >&2; exit 1`), restart: policy, stop_grace: '1s' });
    const g = group(onTestFinished, {
      agents: {
        auth: failing('Error: 401 Unauthorized (invalid x-api-key)'),
        quota: failing('Error: You exceeded your current quota, please check your plan', 'on-demand'),
        limited: failing('HTTP 429 Too Many Requests'),
        busy: failing('API error 529: overloaded_error'),
      },
    });
    await g.up();
    expect((await g.agor(['wake', 'quota'])).code).toBe(0);

    for (const [id, cls] of [
      ['auth', 'auth'],
      ['quota', 'quota'],
    ] as const) {
      const a = await g.waitAgent(id, 'failed', (x) => x.state === 'failed');
      expect(a).toMatchObject({ health: 'failed', attempts: 0 });
      const runs = await g.runs(id);
      expect(runs.map((r) => [r.outcome, r.error_class])).toEqual([['failed', cls]]);
    }
    const limited = await g.waitRuns('limited', 'a retry', (rs) => rs.length === 2 && rs[1]!.outcome !== null);
    expect(limited.map((r) => r.error_class)).toEqual(['rate_limit', 'rate_limit']);
    expect(limited[1]!.restart_delay_ms).toBe(200);
    const busy = await g.waitRuns('busy', 'a retry', (rs) => rs.length === 2 && rs[1]!.outcome !== null);
    expect(busy.map((r) => r.error_class)).toEqual(['overloaded', 'overloaded']);
    expect(busy[1]!.restart_delay_ms).toBe(800);
    await sleep(1000);
    expect((await g.runs('auth')).length + (await g.runs('quota')).length).toBe(2);
  });

  it('retries a failed on-demand run with backoff, as a wake of its own, up to max_retries', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        job: { mode: 'on-demand', command: sh('echo "reason=$AGOR_WAKE_REASON"; exit 3'), restart: { max_retries: 2, backoff: '200ms' }, stop_grace: '1s' },
      },
    });
    await g.up();
    expect((await g.agor(['wake', 'job', '--reason', 'nightly'])).code).toBe(0);
    await g.waitAgent('job', 'failed', (a) => a.state === 'failed');
    const runs = await g.runs('job');
    expect(runs.map((r) => [r.outcome, r.exit_code])).toEqual([
      ['failed', 3],
      ['failed', 3],
      ['failed', 3],
    ]);
    expect(runs[0]!.wake_reason).toBe('manual');
    expect(runs[1]!.wake_reason).toBe(`retry of ${runs[0]!.id.slice(0, 8)} (manual)`);
    expect(runs[1]!.restart_delay_ms).toBe(200);
    expect(runs[2]!.restart_delay_ms).toBe(400);
    // Every wake was consumed once, by the run it started.
    const wakes = g.wakes('job');
    expect(wakes.map((w) => [w.reason, w.run_id])).toEqual([
      ['manual', runs[0]!.id],
      ['retry', runs[1]!.id],
      ['retry', runs[2]!.id],
    ]);
    expect(await g.agent('job')).toMatchObject({ health: 'failed', pending_wakes: 0 });
  });
});
