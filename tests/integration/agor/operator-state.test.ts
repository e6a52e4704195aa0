import { describe, expect, it } from 'vitest';
import { btmsg } from '../../helpers/cli.js';
import { type Group, group, sh, sleep, waitGone } from './fixture.js';

const AUTH_FAIL = sh(`echo 'HTTP 401 Unauthorized: invalid API key' >&2; exit 1`);

describe.concurrent.each(['down', 'kill -9'] as const)('what the operator decided, across a supervisor restart (%s)', (how) => {
  /** Restarts the supervisor of `g` the way this block says: agor down, or SIGKILL. */
  const bounce = async (g: Group, pid: number) => {
    if (how === 'down') expect((await g.down()).code).toBe(0);
    else process.kill(pid, 'SIGKILL');
    await waitGone(pid, 'the supervisor');
    return g.up();
  };

  it('an agent stopped with agor stop stays stopped, until agor start', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { parked: { command: sh('exec sleep 300'), stop_grace: '1s' }, busy: { command: sh('exec sleep 300'), stop_grace: '1s' } },
    });
    const sup = await g.up();
    await g.waitAgent('parked', 'running', (a) => a.pid !== null);
    expect((await g.agor(['stop', 'parked'])).code).toBe(0);

    const again = await bounce(g, sup.pid);
    // The other agent comes back (agor down is not agor stop); the stopped one does not.
    await g.waitAgent('busy', 'running under the new supervisor', (a) => a.pid !== null && a.supervised);
    await sleep(1000);
    expect(await g.agent('parked')).toMatchObject({ state: 'inactive', pid: null });
    expect(await g.runs('parked')).toHaveLength(1);

    expect((await g.agor(['start', 'parked'])).code).toBe(0);
    await g.waitAgent('parked', 'running after agor start', (a) => a.pid !== null);
    // Started again, it is no longer parked: the next restart brings it back.
    await bounce(g, again.pid);
    await g.waitAgent('parked', 'running under a third supervisor', (a) => a.pid !== null && a.supervised, 15_000);
  });

  it('an agent failed for auth stays failed, its wakes waiting and not run on new messages, until agor start', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { authfail: { mode: 'on-demand', command: AUTH_FAIL, stop_grace: '1s' } } });
    const sup = await g.up();
    expect((await g.agor(['wake', 'authfail'])).code).toBe(0);
    await g.waitAgent('authfail', 'failed', (a) => a.state === 'failed');
    expect(await g.runs('authfail')).toEqual([expect.objectContaining({ outcome: 'failed', error_class: 'auth' })]);

    await bounce(g, sup.pid);
    expect(btmsg(['send', 'authfail', 'are you there?'], { db: g.db, as: 'admin' }).code).toBe(0);
    await g.waitAgent('authfail', 'a waiting wake', (a) => a.pending_wakes === 1);
    await sleep(1500);
    expect(await g.agent('authfail')).toMatchObject({ state: 'failed', health: 'failed', pid: null, pending_wakes: 1 });
    expect(await g.runs('authfail')).toHaveLength(1);

    // agor start clears the failure; the run it starts takes the waiting message along.
    expect((await g.agor(['start', 'authfail'])).code).toBe(0);
    const runs = await g.waitRuns('authfail', 'a second run', (rs) => rs.length === 2 && rs[1]!.outcome !== null);
    expect(runs[1]!.wake_reason).toMatch(/message/);
    expect(g.wakes('authfail').filter((w) => w.run_id === null)).toEqual([]);
  });

  it('a service failed after its restarts stays failed, until agor restart', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { crash: { command: sh('exit 1'), restart: { max_retries: 1, backoff: '200ms' }, stop_grace: '1s' } } });
    const sup = await g.up();
    await g.waitAgent('crash', 'failed', (a) => a.state === 'failed', 10_000);
    expect(await g.runs('crash')).toHaveLength(2);

    await bounce(g, sup.pid);
    await sleep(1500);
    expect(await g.agent('crash')).toMatchObject({ state: 'failed', health: 'failed', pid: null });
    expect(await g.runs('crash')).toHaveLength(2);

    expect((await g.agor(['restart', 'crash'])).code).toBe(0);
    await g.waitRuns('crash', 'two more runs', (rs) => rs.length === 4, 10_000);
  });
});
