import { resolve } from 'node:path';
import { Exit, UserError } from '../core/errors.js';
import type { Db } from '../db/open.js';
import { writeTx } from '../db/open.js';
import { type SupervisorRow, endRun, getSupervisor, openRuns } from '../db/runs.js';
import { returnRunLeases } from '../task/board.js';
import { ControlClient, liveSupervisor } from './client.js';
import { groupMembers, isSameProcess, killGroup } from './proc.js';
import { detectCgroups } from '../sandbox/cgroup.js';
import { dbScope, sweepScope } from './contain.js';
import type { AgentView } from './protocol.js';

export interface DownResult {
  supervisor: number | null;
  stopped: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks the supervisor to stop everything and waits until its process is gone. */
async function stopSupervisor(c: ControlClient, db: Db): Promise<DownResult> {
  const sup = getSupervisor(db)!;
  const running = (await c.request<AgentView[]>('list')).filter((a) => a.pid !== null).length;
  await c.request('shutdown');
  await c.closed;
  while (isSameProcess(sup.pid, sup.pid_start, sup.boot_id)) await sleep(20);
  return { supervisor: sup.pid, stopped: running };
}

/**
 * When the control socket cannot be reached (its file was removed, say): SIGTERM to the
 * supervisor of the lock row, which stops its agents as `agor down` would, then waits
 * for it to end. The pid is signalled only while it is the same process (start time and
 * boot id), so a reused pid is never hit.
 */
async function signalSupervisor(db: Db, sup: SupervisorRow, timeoutMs = 120_000): Promise<DownResult> {
  const running = openRuns(db).filter((r) => isSameProcess(r.pid, r.pid_start, r.boot_id)).length;
  const same = () => isSameProcess(sup.pid, sup.pid_start, sup.boot_id);
  if (same()) {
    try {
      process.kill(sup.pid, 'SIGTERM');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw new UserError(`cannot signal the supervisor (pid ${sup.pid}): ${(e as Error).message}`);
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (same()) {
    if (Date.now() > deadline)
      throw new UserError(
        `the supervisor (pid ${sup.pid}) did not stop within ${Math.round(timeoutMs / 1000)} s of SIGTERM`,
        `kill -9 ${sup.pid} ends it; agor down then stops what it left`,
        Exit.TIMEOUT,
      );
    await sleep(50);
  }
  return { supervisor: sup.pid, stopped: running };
}

/** With no supervisor: stops the runs a crashed one left behind (SIGTERM, SIGKILL after 10 s). */
async function stopUnsupervised(db: Db, graceMs = 10_000): Promise<DownResult> {
  const open = openRuns(db);
  const live = open.filter((r) => isSameProcess(r.pid, r.pid_start, r.boot_id));
  const dead = open.filter((r) => !live.includes(r));
  for (const r of live) killGroup(r.pid!, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.some((r) => groupMembers(r.pid!).length) && Date.now() < deadline) await sleep(50);
  for (const r of live) if (groupMembers(r.pid!).length) killGroup(r.pid!, 'SIGKILL');
  // What left the process groups (setsid, double fork) is still in the runs' cgroups.
  const cgroups = detectCgroups();
  if (cgroups.membership) await sweepScope(cgroups, dbScope(resolve(db.name)), []);
  writeTx(db, () => {
    for (const r of live) {
      endRun(db, r.id, {
        ended_at: Date.now(),
        exit_code: null,
        signal: 'SIGTERM',
        outcome: 'cancelled',
        error_class: null,
        note: 'stopped by agor down with no supervisor running',
        peak_rss_kb: null,
      });
      returnRunLeases(db, r.id, 'cancelled');
    }
    for (const r of dead) {
      endRun(db, r.id, {
        ended_at: Date.now(),
        exit_code: null,
        signal: null,
        outcome: r.reported_outcome ?? 'failed',
        error_class: r.reported_outcome ? null : 'unknown',
        note: 'ended while no supervisor was running: exit status not observable',
        peak_rss_kb: null,
      });
      returnRunLeases(db, r.id, 'ended unsupervised');
    }
  });
  return { supervisor: null, stopped: live.length };
}

/**
 * `agor down`: the live supervisor is asked through its socket to stop everything; one
 * whose socket is gone (removed, or never made) is stopped by its pid; with none running,
 * the runs it left are stopped and closed here.
 */
export async function down(db: Db): Promise<DownResult> {
  const sup = liveSupervisor(db);
  if (!sup) return stopUnsupervised(db);
  const c = await ControlClient.connect(sup.socket).catch(() => null);
  if (!c) return signalSupervisor(db, sup);
  try {
    return await stopSupervisor(c, db);
  } finally {
    c.close();
  }
}
