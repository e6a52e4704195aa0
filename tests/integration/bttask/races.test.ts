import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { btmsgAsync, json, run, runAsync, tempDb } from '../../helpers/cli.js';
import { type Task, EXIT, insertTasks, sql } from './fixture.js';

// Hundreds of real processes on one SQLite file: slow by nature, so long time limits.
describe('bttask claim races', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  async function registerProjectAgents(ids: string[]): Promise<void> {
    for (const r of await Promise.all(ids.map((id) => btmsgAsync(['register', id, id, 'project', 'demo'], { db: t.db })))) {
      expect(r.code, r.stderr).toBe(0);
    }
  }

  /** Creates `n` ready tasks: the first through bttask (which makes the schema), the rest directly. */
  function readyTasks(n: number): string[] {
    const first = run('bttask', ['add', 'task 0', '--json'], { db: t.db, as: 'admin' });
    expect(first.code, first.stderr).toBe(0);
    const rest = insertTasks(
      t.db,
      Array.from({ length: n - 1 }, (_, i) => ({ title: `task ${i + 1}`, created_by: 'admin', priority: ['critical', 'high', 'medium', 'low'][i % 4] })),
    );
    return [json<Task>(first).id, ...rest];
  }

  it('hands each of 1000 ready tasks to exactly one of 16 processes claiming until nothing is ready', async () => {
    const claimers = Array.from({ length: 16 }, (_, i) => `claimer-${String(i + 1).padStart(2, '0')}`);
    await registerProjectAgents(claimers);
    const tasks = readyTasks(1000);

    const errors: string[] = [];
    const claimedBy = new Map<string, string[]>();
    const lastWords: string[] = [];
    await Promise.all(
      claimers.map(async (agent) => {
        for (let i = 0; i < 2000; i++) {
          const r = await runAsync('bttask', ['claim', '--json'], { db: t.db, as: agent });
          if (r.code === EXIT.NOT_FOUND) {
            lastWords.push((JSON.parse(r.stderr) as { error: { message: string } }).error.message);
            return;
          }
          if (r.code !== EXIT.OK) {
            errors.push(`${agent}: exit ${r.code}: ${r.stderr.trim()}`);
            continue;
          }
          const task = json<Task>(r);
          expect(task).toMatchObject({ status: 'progress', assigned_to: agent, lease: { agent } });
          claimedBy.set(task.id, [...(claimedBy.get(task.id) ?? []), agent]);
        }
        errors.push(`${agent}: still claiming after 2000 tries`);
      }),
    );

    expect(errors).toEqual([]);
    expect(lastWords).toEqual(claimers.map(() => 'nothing ready to claim'));
    const twice = [...claimedBy].filter(([, who]) => who.length > 1);
    expect(twice).toEqual([]);
    expect([...claimedBy.keys()].sort()).toEqual([...tasks].sort());
    // Real contention: the work was spread over several claimers.
    expect(new Set([...claimedBy.values()].flat()).size).toBeGreaterThan(1);

    // The file agrees: every task in progress for its claimer, under one active lease.
    const rows = sql(t.db, (db) =>
      db
        .prepare(
          `SELECT t.id, t.status, t.assigned_to, count(l.id) AS leases, max(l.agent_id) AS holder
           FROM tasks t LEFT JOIN task_leases l ON l.task_id = t.id GROUP BY t.id`,
        )
        .all(),
    ) as { id: string; status: string; assigned_to: string; leases: number; holder: string }[];
    expect(rows).toHaveLength(1000);
    const wrong = rows.filter((r) => r.status !== 'progress' || r.leases !== 1 || r.holder !== claimedBy.get(r.id)![0] || r.assigned_to !== r.holder);
    expect(wrong).toEqual([]);
  }, 600_000);

  it('lets exactly one of two processes claiming the same task at once win, 200 times over', async () => {
    await registerProjectAgents(['alice', 'bob']);
    const tasks = readyTasks(200);

    const bad: string[] = [];
    const winners: string[] = [];
    for (const [round, id] of tasks.entries()) {
      const [a, b] = await Promise.all([
        runAsync('bttask', ['claim', id, '--json'], { db: t.db, as: 'alice' }),
        runAsync('bttask', ['claim', id, '--json'], { db: t.db, as: 'bob' }),
      ]);
      const codes = [a.code, b.code];
      if (codes.sort().join() !== `${EXIT.OK},${EXIT.CONFLICT}`) {
        bad.push(`round ${round}: alice exit ${a.code} ${a.stderr.trim()} / bob exit ${b.code} ${b.stderr.trim()}`);
        continue;
      }
      const [winner, won, lost] = a.code === EXIT.OK ? ['alice', a, b] : ['bob', b, a];
      winners.push(winner);
      expect(json<Task>(won)).toMatchObject({ id, status: 'progress', assigned_to: winner });
      expect(JSON.parse(lost.stderr).error).toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/^task [0-9a-f]{8} (is already claimed by (alice|bob)|is not ready: it is progress)$/),
      });
    }
    expect(bad).toEqual([]);

    const leases = sql(t.db, (db) => db.prepare('SELECT task_id, agent_id, state FROM task_leases ORDER BY id').all()) as {
      task_id: string;
      agent_id: string;
      state: string;
    }[];
    expect(leases.map((l) => l.task_id).sort()).toEqual([...tasks].sort());
    expect(leases.every((l) => l.state === 'active')).toBe(true);
    const byTask = new Map(leases.map((l) => [l.task_id, l.agent_id]));
    expect(tasks.map((id) => byTask.get(id))).toEqual(winners);
  }, 600_000);
});
