/** Runs left open in the database: re-adopted after a supervisor restart, or closed when their process is gone. */
import { readFileSync, readdirSync } from 'node:fs';
import { writeTx } from '../db/open.js';
import * as R from '../db/runs.js';
import { type Ctx, iso } from './context.js';
import { bootId, groupMembers, isSameProcess, killGroup, procStat } from './proc.js';
import { NO_STATUS, type Runs } from './runs.js';

/** A process whose environment names `runId`: the run a crashed supervisor spawned but never recorded. */
function findByRunId(runId: string): { pid: number; starttime: number } | null {
  const needle = `AGOR_RUN_ID=${runId}\0`;
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)) {
        const s = procStat(pid);
        if (s && s.pgrp === pid) return { pid, starttime: s.starttime };
      }
    } catch {
      /* gone, or not ours */
    }
  }
  return null;
}

/** Runs left open by an earlier supervisor: re-adopt the live ones, close the rest. */
export function adoptRuns(ctx: Ctx, runs: Runs): void {
  for (const row of R.openRuns(ctx.db)) {
    const slot = ctx.slots.get(row.agent);
    let pid = row.pid;
    let pidStart = row.pid_start;
    if (pid === null) {
      // The earlier supervisor died between recording the run and its pid.
      const found = findByRunId(row.id);
      if (!found) {
        ctx.writes.write(
          `the removal of unstarted run ${row.id.slice(0, 8)}`,
          () =>
            writeTx(ctx.db, () => {
              R.releaseWakes(ctx.db, row.id);
              R.deleteRun(ctx.db, row.id);
            }),
          `end:${row.id}`,
        );
        continue;
      }
      pid = found.pid;
      pidStart = found.starttime;
      const [p, ps] = [pid, pidStart];
      ctx.writes.write(`the pid of run ${row.id.slice(0, 8)}`, () => R.setRunPid(ctx.db, row.id, p, ps, bootId()), `pid:${row.id}`);
    }
    const alive = isSameProcess(pid, pidStart, row.boot_id);
    if (!slot) {
      if (alive) {
        killGroup(pid, 'SIGTERM');
        const pgid = pid;
        // Only while a member lives: until then the kernel cannot hand the group's id to anyone else.
        setTimeout(() => groupMembers(pgid).length && killGroup(pgid, 'SIGKILL'), 10_000).unref();
      }
      runs.closeRow(row, 'cancelled', `${row.agent} is no longer in ${ctx.o.config.file}`);
      continue;
    }
    if (!alive) {
      const run = runs.makeRun(row, true);
      slot.run = run;
      runs.onExit(slot, run, NO_STATUS, true);
      continue;
    }
    const run = runs.makeRun({ ...row, pid, pid_start: pidStart }, true);
    slot.run = run;
    slot.state = 'running';
    runs.arm(slot, run);
    ctx.persist(slot);
    ctx.emit({
      event: 'run_start',
      at: iso(ctx.now())!,
      agent: slot.cfg.id,
      run: run.id,
      pid,
      incarnation: row.incarnation,
      wake_reason: row.wake_reason,
      adopted: true,
    });
    ctx.o.log(`${slot.cfg.id}: re-adopted run ${row.id.slice(0, 8)} (pid ${pid})`);
    // Stopped by the operator while the supervisor was gone mid-stop: finish the stop.
    if (!slot.enabled) runs.stopQuietly(slot, 'stop');
  }
}

/**
 * Closes runs left open in the database that no slot holds and whose process is gone
 * (an end that could not be recorded, for whatever reason): no run stays "running"
 * with a dead pid.
 */
export function sweepOpenRuns(ctx: Ctx, runs: Runs): void {
  const mine = new Set<string>();
  for (const s of ctx.slots.values()) if (s.run) mine.add(s.run.id);
  for (const row of R.openRuns(ctx.db)) {
    if (mine.has(row.id) || ctx.writes.has(`end:${row.id}`) || isSameProcess(row.pid, row.pid_start, row.boot_id)) continue;
    const outcome = row.reported_outcome ?? 'failed';
    runs.closeRow(row, outcome, 'its process is gone and its end was never recorded: exit status not observable', outcome === 'failed' ? 'unknown' : null);
  }
}
