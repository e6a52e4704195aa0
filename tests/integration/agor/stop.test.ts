import { describe, expect, it } from 'vitest';
import { ignores } from '../../helpers/proc.js';
import { alive, group, groupMembers, ms, sh, sleep, waitFor, waitGone, waitGroupGone } from './fixture.js';

/** A leader that dies of SIGTERM, and a grandchild that ignores it (SIG_IGN is inherited across exec). */
const STUBBORN_GRANDCHILD = '(trap "" TERM; exec sleep 300) & echo "grandchild $!"; sleep 300';

/** Waits until a process of group `pgid` ignores SIGTERM: its `trap "" TERM` has run. */
const trapped = (pgid: number, what: string) =>
  waitFor(`${what} to ignore SIGTERM`, () => groupMembers(pgid).some((p) => ignores(p, 'SIGTERM')), Boolean, { interval: 20 });

describe.concurrent('agor stop', () => {
  it('ends every process of the group: SIGTERM, then SIGKILL after stop_grace for one that ignores it', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        tree: { command: sh('sleep 300 & sleep 300 & wait'), stop_grace: '1s' },
        deaf: { command: sh('trap "" TERM; while :; do sleep 1; done'), stop_grace: '1s' },
      },
    });
    await g.up();
    const tree = await g.waitAgent('tree', 'running with both children', (a) => a.pid !== null && groupMembers(a.pid).length >= 3);
    const deaf = await g.waitAgent('deaf', 'running', (a) => a.pid !== null);
    // The deaf one's shell must have installed its trap before it is signalled.
    await trapped(deaf.pid!, 'deaf');

    const t0 = Date.now();
    const r = await g.agor(['stop', 'tree', 'deaf', '--json']);
    const took = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ id: 'tree', state: 'inactive', pid: null }),
      expect.objectContaining({ id: 'deaf', state: 'inactive', pid: null }),
    ]);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(4000);
    await waitGroupGone(tree.pid!, 'tree', 1000);
    await waitGroupGone(deaf.pid!, 'deaf', 1000);

    const [tr] = await g.runs('tree');
    expect(tr).toMatchObject({ outcome: 'cancelled', signal: 'SIGTERM', pid: tree.pid });
    const [dr] = await g.runs('deaf');
    expect(dr).toMatchObject({ outcome: 'cancelled', signal: 'SIGKILL', pid: deaf.pid });
    // It had its grace: SIGKILL came about a second after the stop.
    expect(ms(dr!.ended_at) - t0).toBeGreaterThanOrEqual(900);
    expect(ms(dr!.ended_at) - t0).toBeLessThan(3000);

    // A stopped agent stays stopped, until agor start.
    await sleep(1000);
    expect(await g.runs('tree')).toHaveLength(1);
    expect(await g.agent('tree')).toMatchObject({ state: 'inactive', pid: null });
    const s = await g.agor(['start', 'tree', '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual([expect.objectContaining({ id: 'tree', state: 'running' })]);
    expect(await g.runs('tree')).toHaveLength(2);
  });

  it('also ends a grandchild that ignores SIGTERM after its parent died, within stop_grace', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { parent: { command: sh(STUBBORN_GRANDCHILD), stop_grace: '1s' } } });
    await g.up();
    const a = await g.waitAgent('parent', 'running with its grandchild', (x) => x.pid !== null && groupMembers(x.pid).length >= 2);
    await trapped(a.pid!, 'the grandchild');
    const r = await g.agor(['stop', 'parent']);
    expect(r.code, r.stderr).toBe(0);
    await waitGroupGone(a.pid!, 'parent', 2500);
  });

  it('agor down also ends such a grandchild: nothing of any agent outlives the supervisor', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        parent: { command: sh(STUBBORN_GRANDCHILD), stop_grace: '1s' },
        tree: { command: sh('sleep 300 & sleep 300 & wait'), stop_grace: '1s' },
      },
    });
    const sup = await g.up();
    const p = await g.waitAgent('parent', 'running with its grandchild', (x) => x.pid !== null && groupMembers(x.pid).length >= 2);
    const t = await g.waitAgent('tree', 'running with both children', (x) => x.pid !== null && groupMembers(x.pid).length >= 3);
    await trapped(p.pid!, 'the grandchild');
    const r = await g.down();
    expect(r.code, r.stderr).toBe(0);
    expect(alive(sup.pid)).toBe(false);
    await waitGroupGone(t.pid!, 'tree', 1000);
    await waitGroupGone(p.pid!, 'parent', 2500);
  });

  it('reaps what a run left behind: a child forked by an agent that exits at once', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { forker: { mode: 'on-demand', command: sh('sleep 300 & echo "child $!"; exit 0'), stop_grace: '1s' } },
    });
    await g.up();
    expect((await g.agor(['wake', 'forker'])).code).toBe(0);
    const [run] = await g.waitRuns('forker', 'one finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    expect(run).toMatchObject({ outcome: 'success', exit_code: 0 });
    const child = Number(/child (\d+)/.exec(g.logOf(run!))?.[1]);
    expect(child).toBeGreaterThan(0);
    await waitGone(child, 'the forked child', 3000);
    expect(groupMembers(run!.pid!)).toEqual([]);
    expect(await g.agent('forker')).toMatchObject({ state: 'dormant', health: 'healthy' });
  });

  it('a service agent keeps nothing running between restarts either', async ({ onTestFinished }) => {
    // Each run leaves a sleeper behind and exits 1; the leftovers of every run are reaped.
    const g = group(onTestFinished, {
      agents: { leaky: { command: sh(`sleep 300 & echo "child $!"; exit 1`), restart: { max_retries: 2, backoff: '200ms' }, stop_grace: '1s' } },
    });
    await g.up();
    const runs = await g.waitRuns('leaky', 'three failed runs', (rs) => rs.length === 3 && rs.every((r) => r.outcome === 'failed'), 10_000);
    for (const run of runs) {
      const child = Number(/child (\d+)/.exec(g.logOf(run))?.[1]);
      await waitGone(child, `the child of run ${run.incarnation}`, 3000);
    }
  });
});
