import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { holdWriteLock } from '../../helpers/lock.js';
import { supervisorLogPath } from '../../../src/supervisor/up.js';
import { alive, group, ms, processesMentioning, sh, sql, waitFor, waitGone } from './fixture.js';

const openRuns = (db: string) =>
  sql(db, (h) => h.prepare('SELECT id, agent, pid FROM runs WHERE ended_at IS NULL').all() as { id: string; agent: string; pid: number | null }[]);

describe.concurrent('agor up when another process holds the write lock', () => {
  it('survives the lock held 9 s, twice, while it restarts a flapping agent: it answers, keeps restarting, records every end, and stops', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished, {
      agents: {
        flappy: { command: sh('echo up; sleep 2; exit 1'), restart: { max_retries: 1000, backoff: '1s', backoff_cap: '1s' }, stop_grace: '1s' },
        steady: { command: sh('exec sleep 300'), stop_grace: '1s' },
      },
    });
    const sup = await g.up();
    const steady = await g.waitAgent('steady', 'running', (a) => a.pid !== null);
    await g.waitRuns('flappy', 'a first run to end', (rs) => rs.some((r) => r.outcome !== null), 15_000);

    for (let i = 0; i < 2; i++) {
      const lock = await holdWriteLock(g.db, 9000);
      let released = false;
      void lock.released.then(() => (released = true));
      // While the lock is held, agor ps is answered, from memory where the file cannot be read.
      const during = await g.ps();
      expect(released, 'agor ps answered only after the lock was released').toBe(false);
      expect(during.find((a) => a.id === 'steady')).toMatchObject({ state: 'running', pid: steady.pid });
      await lock.released;
      expect(alive(sup.pid), 'the supervisor is alive after the lock').toBe(true);
    }
    const freed = Date.now();
    // The supervisor waited for the lock rather than failing, and says so in its log.
    expect(readFileSync(supervisorLogPath(g.db), 'utf8')).toMatch(/database busy/);

    // flappy is still restarted after the locks: two runs start once the second has gone.
    const runs = await g.waitRuns('flappy', 'two runs started after the locks', (rs) => rs.filter((r) => ms(r.started_at) >= freed).length >= 2, 20_000);
    // Every run that ended, during the locks too, is recorded once with what really happened.
    const ended = runs.filter((r) => r.ended_at !== null);
    expect(ended.length).toBeGreaterThanOrEqual(runs.length - 1);
    for (const r of ended) expect(r, `run ${r.incarnation}`).toMatchObject({ outcome: 'failed', exit_code: 1 });
    expect(new Set(runs.map((r) => r.incarnation)).size).toBe(runs.length);
    // No run is left open with a dead pid.
    for (const r of openRuns(g.db)) expect(r.pid !== null && alive(r.pid), `open run ${r.id} of ${r.agent}`).toBe(true);
    expect(await g.runs('steady')).toEqual([expect.objectContaining({ pid: steady.pid, outcome: null })]);

    const stop = await g.agor(['stop', 'flappy']);
    expect(stop.code, stop.stderr).toBe(0);
    const down = await g.down();
    expect(down.code, down.stderr).toBe(0);
    await waitGone(sup.pid, 'the supervisor');
    await waitFor(
      'every agent process to be gone',
      () => processesMentioning(g.dir),
      (l) => l.length === 0,
      { timeout: 5000 },
    );
    expect(openRuns(g.db)).toEqual([]);
  });

  it('agor down returns while the lock is held, and the runs it stopped are recorded as cancelled once the lock goes', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { steady: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const sup = await g.up();
    const a = await g.waitAgent('steady', 'running', (x) => x.pid !== null);
    const lock = await holdWriteLock(g.db, 5000);
    const down = await g.down();
    expect(down.code, down.stderr).toBe(0);
    await waitGone(sup.pid, 'the supervisor');
    expect(alive(a.pid!)).toBe(false);
    await lock.released;
    expect(sql(g.db, (h) => h.prepare('SELECT outcome FROM runs').all())).toEqual([{ outcome: 'cancelled' }]);
    expect(sql(g.db, (h) => h.prepare('SELECT count(*) AS n FROM supervisor').get())).toEqual({ n: 0 });
  });

  it('SIGTERM ends it while the lock stays held; the next supervisor closes the run whose end it could not record', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { steady: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const sup = await g.up();
    const a = await g.waitAgent('steady', 'running', (x) => x.pid !== null);
    const lock = await holdWriteLock(g.db, 20_000);
    let released = false;
    void lock.released.then(() => (released = true));
    process.kill(sup.pid, 'SIGTERM');
    await waitGone(sup.pid, 'the supervisor', 19_000);
    expect(released, 'the supervisor ended only after the lock was released').toBe(false);
    expect(alive(a.pid!)).toBe(false);
    // Its end could not be written: the run is still open, with a dead pid, until a supervisor comes.
    expect(openRuns(g.db)).toEqual([expect.objectContaining({ agent: 'steady', pid: a.pid })]);
    await lock.released;

    await g.up();
    const runs = await g.waitRuns('steady', 'the old run closed and a new one started', (rs) => rs.length === 2 && rs[0]!.ended_at !== null, 10_000);
    expect(runs[0]).toMatchObject({ pid: a.pid, note: expect.stringMatching(/exit status not observable/) });
    expect(runs[1]).toMatchObject({ outcome: null });
  });

  it('starts no run it cannot record: agor start during the lock answers at once, and the run starts once, after the lock', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { svc: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const sup = await g.up();
    await g.waitAgent('svc', 'running', (a) => a.pid !== null);
    expect((await g.agor(['stop', 'svc'])).code).toBe(0);
    const lock = await holdWriteLock(g.db, 5000);
    let released = false;
    void lock.released.then(() => (released = true));
    const start = await g.agor(['start', 'svc', '--json']);
    expect(start.code, start.stderr).toBe(0);
    expect(released, 'agor start answered only after the lock was released').toBe(false);
    expect(JSON.parse(start.stdout)).toEqual([expect.objectContaining({ id: 'svc', pid: null })]);
    const freedAt = await lock.released;
    const a = await g.waitAgent('svc', 'running again', (x) => x.pid !== null, 10_000);
    const runs = await g.runs('svc');
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ id: a.run_id, pid: a.pid, outcome: null });
    expect(ms(runs[1]!.started_at)).toBeGreaterThanOrEqual(freedAt - 1000);
    expect(alive(sup.pid)).toBe(true);
  });
});
