import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunResult, btmsg, json, runAsync, sql } from '../helpers/cli.js';
import { BTMSG_SH, type Group, alive, group, sh } from './agor/fixture.js';
import { insertTasks } from './bttask/fixture.js';

// A team's worth of real processes on one SQLite file, with default settings: no
// AGOR_BUSY_TIMEOUT, so what is tested is the wait every agent gets. Slow by nature on
// 2 cores (each btmsg or bttask is a node process), hence the long limits.
const DEFAULTS = { AGOR_BUSY_TIMEOUT: undefined };
const SENDERS = 64;
const PER_SENDER = 5;
const CLAIMERS = 16;
const TASKS = 300;

interface Outcome {
  refused: string[];
}

const describeRefusal = (what: string, r: RunResult) => `${what}: exit ${r.code}: ${r.stderr.trim().split('\n')[0]}`;

/** Registers the senders' manager `mgr` and its contact `w1`, the claimers, and `r1`, `r2` for the wait loops. */
function team(db: string): void {
  const calls = [
    ['register', 'mgr', 'Manager', 'manager', 'demo'],
    ['register', 'w1', 'Worker', 'project', 'demo'],
    ['register', 'r1', 'Reader one', 'project', 'demo'],
    ['register', 'r2', 'Reader two', 'project', 'demo'],
    ['allow', 'mgr', 'w1', '-b'],
    ['allow', 'mgr', 'r1', '-b'],
    ['allow', 'mgr', 'r2', '-b'],
    ...Array.from({ length: CLAIMERS }, (_, i) => ['register', `c${i + 1}`, `Claimer ${i + 1}`, 'project', 'demo']),
  ];
  for (const args of calls) {
    const r = btmsg(args, { db });
    if (r.code !== 0) throw new Error(describeRefusal(`btmsg ${args.join(' ')}`, r));
  }
  insertTasks(
    db,
    Array.from({ length: TASKS }, (_, i) => ({ title: `task ${i + 1}`, created_by: 'admin', priority: ['high', 'medium', 'low'][i % 3] })),
  );
}

/** 64 processes at once, each sending its messages one after the other, as agents' scripts do. */
async function sendAll(db: string, out: Outcome): Promise<void> {
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, p) => {
      for (let i = 0; i < PER_SENDER; i++) {
        const r = await runAsync('btmsg', ['send', 'w1', `p${p}-m${i}`], { db, as: 'mgr', env: DEFAULTS, timeout: 180_000 });
        if (r.code !== 0) out.refused.push(describeRefusal(`send p${p}-m${i}`, r));
      }
    }),
  );
}

/** 16 claimers, each claiming until nothing is ready (exit 3). Returns the ids claimed, with repeats. */
async function drain(db: string, out: Outcome): Promise<string[]> {
  const claimed: string[] = [];
  await Promise.all(
    Array.from({ length: CLAIMERS }, async (_, w) => {
      for (let n = 0; n <= TASKS; n++) {
        const r = await runAsync('bttask', ['claim', '--json'], { db, as: `c${w + 1}`, env: DEFAULTS, timeout: 180_000 });
        if (r.code === 3) return;
        if (r.code !== 0) out.refused.push(describeRefusal(`claim by c${w + 1}`, r));
        else claimed.push(json<{ id: string }>(r).id);
      }
      out.refused.push(`c${w + 1} still claiming after ${TASKS + 1} tries`);
    }),
  );
  return claimed;
}

const stored = (db: string) =>
  sql(db, (h) => h.prepare(`SELECT content, count(*) AS n FROM messages WHERE to_agent = 'w1' GROUP BY content`).all() as { content: string; n: number }[]);

function expectEverySendOnce(db: string): void {
  const rows = stored(db);
  expect(rows.filter((r) => r.n > 1)).toEqual([]);
  const want = Array.from({ length: SENDERS * PER_SENDER }, (_, k) => `p${Math.floor(k / PER_SENDER)}-m${k % PER_SENDER}`).sort();
  expect(rows.map((r) => r.content).sort()).toEqual(want);
}

function expectEveryTaskOnce(db: string, claimed: string[]): void {
  expect(claimed.length).toBe(TASKS);
  expect(new Set(claimed).size).toBe(TASKS);
  const board = sql(db, (h) => h.prepare(`SELECT status, count(*) AS n FROM tasks GROUP BY status`).all());
  expect(board).toEqual([{ status: 'progress', n: TASKS }]);
}

describe('many writers at once, with default settings', () => {
  it('stores every one of 64 processes × 5 concurrent sends exactly once and refuses none', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    team(g.db);
    const out: Outcome = { refused: [] };
    await sendAll(g.db, out);
    expect(out.refused).toEqual([]);
    expectEverySendOnce(g.db);
  }, 300_000);

  it('lets 16 claimers drain 300 tasks, each task claimed once, with no error but "nothing ready"', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    team(g.db);
    const out: Outcome = { refused: [] };
    const claimed = await drain(g.db, out);
    expect(out.refused).toEqual([]);
    expectEveryTaskOnce(g.db, claimed);
  }, 300_000);

  it('does both at once beside a supervisor running 5 agents and two btmsg wait loops, losing and refusing nothing', async ({ onTestFinished }) => {
    const g: Group = group(onTestFinished);
    team(g.db);
    const fails = join(g.dir, 'agent-failures');
    // Service agents that write all the time: a heartbeat every second, noting any failure.
    const agent = { command: sh(`while :; do ${BTMSG_SH} heartbeat >/dev/null 2>>"${fails}" || echo "exit $?" >>"${fails}"; sleep 1; done`), role: 'project' };
    g.write({ agents: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`s${i + 1}`, agent])) });
    const up = await g.up();
    await g.waitAgent('s5', 'running', (a) => a.state === 'running', 30_000);
    for (const a of ['r1', 'r2', 's1', 's2', 's3', 's4', 's5']) expect(btmsg(['allow', 'mgr', a, '-b'], { db: g.db }).code).toBe(0);

    const out: Outcome = { refused: [] };
    // Each reader waits for its messages one `btmsg wait` at a time, as an agent's loop would.
    const PER_READER = 10;
    const got: Record<string, string[]> = { r1: [], r2: [] };
    const readers = Object.keys(got).map(async (r) => {
      while (got[r]!.length < PER_READER) {
        const w = await runAsync('btmsg', ['wait', '--json', '--timeout', '150'], { db: g.db, as: r, env: DEFAULTS, timeout: 180_000 });
        if (w.code !== 0) {
          out.refused.push(describeRefusal(`wait by ${r}`, w));
          return;
        }
        got[r]!.push(json<{ content: string }>(w).content);
      }
    });
    const toReaders = Array.from({ length: PER_READER }, async (_, i) => {
      for (const r of ['r1', 'r2']) {
        const s = await runAsync('btmsg', ['send', r, `${r}-${i}`], { db: g.db, as: 'mgr', env: DEFAULTS, timeout: 180_000 });
        if (s.code !== 0) out.refused.push(describeRefusal(`send ${r}-${i}`, s));
      }
    });
    const [claimed] = await Promise.all([drain(g.db, out), sendAll(g.db, out), ...toReaders, ...readers]);

    expect(out.refused).toEqual([]);
    expectEverySendOnce(g.db);
    expectEveryTaskOnce(g.db, claimed!);
    for (const r of ['r1', 'r2']) expect(got[r]!.sort()).toEqual(Array.from({ length: PER_READER }, (_, i) => `${r}-${i}`).sort());
    expect(existsSync(fails) ? readFileSync(fails, 'utf8') : '').toBe('');
    // The supervisor came through it, still running all five (quiet or not).
    expect(alive(up.pid)).toBe(true);
    const states = (await g.ps()).map((a) => [a.id, a.state === 'idle' ? 'running' : a.state]);
    expect(states).toEqual(['s1', 's2', 's3', 's4', 's5'].map((id) => [id, 'running']));
  }, 400_000);
});
