import { describe, expect, it } from 'vitest';
import { type RunResult, runAsync } from '../../helpers/cli.js';
import { BTMSG_SH, alive, group, sh, sql, waitFor } from './fixture.js';

// The mix (32 senders, 4 inbox readers, 4 board writers, 3 agents), with fewer sends each.
const SENDERS = 32;
const SENDS = 2;
const AGENTS = ['a1', 'a2', 'a3'];

/** One CLI call of the load, with default settings and no retry: none may be refused. */
const failures: string[] = [];
async function call(bin: string, args: string[], db: string, as: string): Promise<RunResult> {
  const r = await runAsync(bin, args, { db, as, timeout: 90_000 });
  if (r.code !== 0) failures.push(`${bin} ${args[0]} exit ${r.code}: ${r.stderr.trim()}`);
  return r;
}

describe('agor up under mixed load', () => {
  it('stays up through concurrent senders, inbox readers and board writers, and delivers every wake', async ({ onTestFinished }) => {
    // Each run reads its inbox (one more reader of the file), then rests until the next wake.
    const agent = { mode: 'on-demand', command: sh(`${BTMSG_SH} inbox >/dev/null`), stop_grace: '1s' };
    const g = group(onTestFinished, { agents: Object.fromEntries(AGENTS.map((id) => [id, agent])) });
    const sup = await g.up();

    let sending = true;
    const senders = Array.from({ length: SENDERS }, async (_, s) => {
      const codes: number[] = [];
      for (let i = 0; i < SENDS; i++) codes.push((await call('btmsg', ['send', AGENTS[(s + i) % AGENTS.length]!, `load ${s}.${i}`], g.db, 'admin')).code);
      return codes;
    });
    const readers = [...AGENTS, AGENTS[0]!].map(async (id) => {
      let n = 0;
      while (sending) (await call('btmsg', ['inbox', '--all'], g.db, id), n++);
      return n;
    });
    const writers = [0, 1, 2, 3].map(async (w) => {
      let n = 0;
      while (sending) (await call('bttask', ['add', `board load ${w}.${n}`], g.db, 'admin'), n++);
      return n;
    });
    const sent = (await Promise.all(senders)).flat();
    sending = false;
    await Promise.all([...readers, ...writers]);
    expect(sent.filter((c) => c !== 0)).toEqual([]);
    expect(failures, 'no send, inbox or add refused').toEqual([]);
    expect(alive(sup.pid), 'the supervisor is alive after the load').toBe(true);

    // Every wake the messages made is taken by a run, and every run has ended.
    const waiting = () =>
      sql(g.db, (h) => ({
        wakes: (h.prepare('SELECT count(*) AS n FROM wakes WHERE run_id IS NULL').get() as { n: number }).n,
        open: (h.prepare('SELECT count(*) AS n FROM runs WHERE ended_at IS NULL').get() as { n: number }).n,
      }));
    await waitFor('every wake delivered and every run ended', waiting, (w) => w.wakes === 0 && w.open === 0, { timeout: 30_000, interval: 250 });
    const totals = sql(g.db, (h) => h.prepare(`SELECT count(*) AS wakes, count(DISTINCT run_id) AS runs FROM wakes WHERE reason = 'message'`).get());
    expect(totals).toMatchObject({ wakes: SENDERS * SENDS });
    const outcomes = sql(g.db, (h) => h.prepare('SELECT outcome, count(*) AS n FROM runs GROUP BY outcome').all());
    expect(outcomes).toEqual([{ outcome: 'success', n: expect.any(Number) }]);
    expect(alive(sup.pid)).toBe(true);
    expect((await g.ps()).map((a) => a.state)).toEqual(['dormant', 'dormant', 'dormant']);
  });
});
