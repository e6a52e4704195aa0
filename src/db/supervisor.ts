/** The reads and housekeeping of the supervisor and its offline view that no other table group owns. */
import { type Db, stmt } from './open.js';
import type { WakeRow } from './runs.js';

/** The agents that agor supervises, in id order. */
export const managedAgents = (db: Db) =>
  stmt<{ id: string; name: string; role: string }>(db, 'SELECT id, name, role FROM agents WHERE managed = 1 ORDER BY id').all();

/** The ids of the agents of `group` that agor supervises. */
export const managedAgentIds = (db: Db, group: string) =>
  stmt<{ id: string }>(db, 'SELECT id FROM agents WHERE group_id = ? AND managed = 1')
    .all(group)
    .map((r) => r.id);

/** Active task leases per agent. */
export const activeLeaseCounts = (db: Db): Map<string, number> =>
  new Map(
    stmt<{ a: string; n: number }>(db, `SELECT agent_id AS a, count(*) AS n FROM task_leases WHERE state = 'active' GROUP BY agent_id`)
      .all()
      .map((r) => [r.a, r.n]),
  );

/** Ready todo tasks open to `agent` (unassigned or its own), counted up to `cap`. */
export const readyTaskCount = (db: Db, agent: string, cap = 1000) =>
  stmt<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM (SELECT 1 FROM tasks WHERE status = 'todo' AND open_deps = 0 AND (assigned_to IS NULL OR assigned_to = ?) LIMIT ?)`,
  ).get(agent, cap)!.n;

/** Tasks in review, counted up to `cap`. */
export const reviewTaskCount = (db: Db, cap = 1000) =>
  stmt<{ n: number }>(db, `SELECT count(*) AS n FROM (SELECT 1 FROM tasks WHERE status = 'review' LIMIT ?)`).get(cap)!.n;

/** The pending wakes of `agent` newer than wake `afterId`. */
export const pendingWakesAfter = (db: Db, agent: string, afterId: number) =>
  stmt<WakeRow>(db, 'SELECT * FROM wakes WHERE agent = ? AND id > ? AND run_id IS NULL ORDER BY id').all(agent, afterId);

/** Open runs whose agent reported more than `usage` of its context window in use. */
export const pressuredRunCount = (db: Db, usage = 0.75) =>
  stmt<{ n: number }>(db, 'SELECT count(*) AS n FROM runs WHERE ended_at IS NULL AND context_usage > ?').get(usage)!.n;

/** The reported cost of runs started since `hourFrom` and since `dayFrom` (null: none reported). */
export const runCostSince = (db: Db, hourFrom: number, dayFrom: number) =>
  stmt<{ hour: number | null; day: number | null }>(
    db,
    'SELECT sum(CASE WHEN started_at >= @h THEN cost_usd END) AS hour, sum(cost_usd) AS day FROM runs WHERE started_at >= @d',
  ).get({ h: hourFrom, d: dayFrom })!;

/** Moves the WAL into the database file and truncates it, so it cannot grow without bound. */
export function checkpointWal(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
