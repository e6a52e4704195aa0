import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alive, group, groupMembers, ms, processesMentioning, sh, sleep, waitFor, waitGone, waitGroupGone } from './fixture.js';

const TICKER = { command: sh('while :; do echo tick; sleep 0.3; done'), stop_grace: '1s' };

describe.concurrent('agor after a supervisor crash', () => {
  it('leaves agents running when the supervisor is killed with SIGKILL; a new supervisor re-adopts them without starting another', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { ticker: TICKER } });
    const first = await g.up();
    const a = await g.waitAgent('ticker', 'running', (x) => x.pid !== null);

    process.kill(first.pid, 'SIGKILL');
    await waitGone(first.pid, 'the first supervisor');
    expect(alive(a.pid!)).toBe(true);
    // Without a supervisor, ps reads the database: the run is still there, unsupervised.
    expect(await g.agent('ticker')).toMatchObject({ state: 'running', pid: a.pid, run_id: a.run_id, supervised: false });
    // Its output goes to its log file, not through the dead supervisor.
    const [run] = await g.runs('ticker');
    const before = statSync(run!.log_path!).size;
    await waitFor(
      'the log to grow',
      () => statSync(run!.log_path!).size,
      (size) => size > before,
      { timeout: 5000, interval: 50 },
    );

    const second = await g.up();
    expect(second.pid).not.toBe(first.pid);
    expect(await g.agent('ticker')).toMatchObject({ state: 'running', pid: a.pid, run_id: a.run_id, supervised: true });
    const runs = await g.runs('ticker');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: a.run_id, pid: a.pid, outcome: null });
    // Nothing of this test runs but the new supervisor and the one agent's process group.
    // The group is read after the snapshot: a `sleep` the ticker starts in between is in both.
    const seen = processesMentioning(g.dir);
    const members = new Set(groupMembers(a.pid!));
    expect(seen.filter((p) => p !== second.pid && !members.has(p) && alive(p))).toEqual([]);

    // A correct down takes about a second here; give up long before the test's own time-out.
    const down = await g.agor(['down'], { timeout: 10_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/stopped the supervisor \(pid \d+\) and 1 running agent/);
    await waitGroupGone(a.pid!, 'ticker', 1000);
    expect((await g.runs('ticker'))[0]).toMatchObject({ id: a.run_id, outcome: 'cancelled' });
  });

  it('agor down with no supervisor stops the runs a killed one left behind', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { ticker: TICKER } });
    const sup = await g.up();
    const a = await g.waitAgent('ticker', 'running', (x) => x.pid !== null);
    process.kill(sup.pid, 'SIGKILL');
    await waitGone(sup.pid, 'the supervisor');

    const down = await g.down();
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/no supervisor was running; stopped 1 agent run/);
    await waitGroupGone(a.pid!, 'ticker', 1000);
    expect((await g.runs('ticker'))[0]).toMatchObject({ outcome: 'cancelled', note: expect.stringMatching(/no supervisor/) });
    expect(await g.agent('ticker')).toMatchObject({ state: 'inactive', pid: null, supervised: false });
  });

  it('an adopted run keeps the wall-clock timeout counted from its own start', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { slow: { mode: 'on-demand', command: sh('exec sleep 60'), timeout: '3s', stop_grace: '1s' } } });
    const sup = await g.up();
    expect((await g.agor(['wake', 'slow'])).code).toBe(0);
    const a = await g.waitAgent('slow', 'running', (x) => x.pid !== null);
    process.kill(sup.pid, 'SIGKILL');
    await waitGone(sup.pid, 'the supervisor');
    await g.up();
    const [run] = await g.waitRuns('slow', 'the run to time out', (rs) => rs[0]?.outcome != null, 8000);
    expect(run).toMatchObject({ id: a.run_id, outcome: 'timeout' });
    const took = ms(run!.ended_at) - ms(run!.started_at);
    expect(took).toBeGreaterThanOrEqual(3000);
    expect(took).toBeLessThan(5000);
  });

  it('closes a run that ended while no supervisor ran, with a note, and does not retry it', async ({ onTestFinished }) => {
    // Long enough to be seen running through agor ps on a loaded machine.
    const g = group(onTestFinished, { agents: { brief: { mode: 'on-demand', command: sh('echo working; sleep 3; echo done'), stop_grace: '1s' } } });
    const sup = await g.up();
    expect((await g.agor(['wake', 'brief'])).code).toBe(0);
    const a = await g.waitAgent('brief', 'running', (x) => x.pid !== null);
    process.kill(sup.pid, 'SIGKILL');
    await waitGone(sup.pid, 'the supervisor');
    await waitGone(a.pid!, 'the agent', 8000);

    await g.up();
    const [run] = await g.waitRuns('brief', 'the run to be closed', (rs) => rs[0]?.outcome != null, 5000);
    expect(run!.id).toBe(a.run_id);
    expect(run!.note).toMatch(/exit status not observable/);
    await sleep(800);
    expect(await g.runs('brief')).toHaveLength(1);
    expect(await g.agent('brief')).toMatchObject({ state: 'dormant', pid: null });
  });

  it('stops a run whose agent left agor.yaml while no supervisor ran, and forgets the agent', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { stays: TICKER, goes: TICKER } });
    const sup = await g.up();
    const goes = await g.waitAgent('goes', 'running', (x) => x.pid !== null);
    const stays = await g.waitAgent('stays', 'running', (x) => x.pid !== null);
    process.kill(sup.pid, 'SIGKILL');
    await waitGone(sup.pid, 'the supervisor');

    g.write({ agents: { stays: TICKER } });
    await g.up();
    await waitGroupGone(goes.pid!, 'goes', 3000);
    expect((await g.runs('goes'))[0]).toMatchObject({ id: goes.run_id, outcome: 'cancelled', note: `goes is no longer in ${g.file}` });
    expect((await g.ps()).map((a) => [a.id, a.pid])).toEqual([['stays', stays.pid]]);
  });
});
