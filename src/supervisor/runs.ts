/** The run lifecycle: record a start, launch it, arm its timers, stop it (bounded), reap its group, record its end and act on the policy. */
import { closeSync, statSync, writeSync } from 'node:fs';
import { Exit, UserError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { recordHeartbeat } from '../db/agents.js';
import { isBusy } from '../db/errors.js';
import { markDelivered } from '../db/messages.js';
import { writeTx } from '../db/open.js';
import * as R from '../db/runs.js';
import { returnRunLeases } from '../task/board.js';
import { type Ctx, type Run, type Slot, type StopWhy, iso } from './context.js';
import { openRunLog, readTail, removeRunLog, rotateIfLarge, runLogPath } from './logs.js';
import type { FailureKind } from './classify.js';
import { follow } from './follow.js';
import { runLastLine } from './logrender.js';
import { runOutcome } from './policy.js';
import { bootId, groupMembers, isSameProcess, killGroup, killPid, peakRssKb, procStat, reapGroup } from './proc.js';
import { composePrompt, wakeSummary } from './prompt.js';
import { type ExitStatus, type Spawned, agentInvocation, spawnAgent } from './spawn.js';
import { baseline, helperFailure, limitHit, reapCgroup } from './contain.js';
import { wakeContext } from './wakeups.js';
import { clockEnv } from './clock.js';
import { WorktreePrep } from './worktree-prep.js';

/** How much of a failed run's output its classification reads. */
const OUTPUT_TAIL_BYTES = 8 * 1024;
/** The failures that come from agor's own checks, audited by name (never with a value). */
const AUDITED: Partial<Record<FailureKind, string>> = {
  limit: 'run_limit_reached',
  sandbox: 'run_sandbox_failed',
  secrets: 'run_secrets_unavailable',
  worktree: 'run_worktree_failed',
};
/** Beyond stop_grace, what a stop waits for a run's end (SIGKILL and reaping included). */
const STOP_SLACK_MS = 10_000;

/** An exit whose status nobody saw (a re-adopted run, a process found gone). */
export const NO_STATUS: ExitStatus = { code: null, signal: null, spawnError: null };

export interface RunHooks {
  /** A run started: log followers of the agent move to it. */
  started(agent: string, run: Run): void;
  /** A run is ending: log followers get what it wrote last. */
  ending(run: Run): void;
  /** An agent came to rest: waiting wakes may start it again. */
  checkWakes(): void;
  /** An on-demand agent is started by a manual wake. */
  deliverManual(slot: Slot, why: string): void;
  /** True when a spent budget keeps the agent from starting a run (its wakes stay pending). */
  held?(slot: Slot): boolean;
}

export class Runs {
  /** Worktrees being made before their agents' runs (`worktree:`). */
  readonly worktrees: WorktreePrep;

  constructor(
    readonly ctx: Ctx,
    readonly hooks: RunHooks,
  ) {
    this.worktrees = new WorktreePrep(ctx);
  }

  private running(): number {
    let n = this.worktrees.count;
    for (const s of this.ctx.slots.values()) if (s.run) n++;
    return n;
  }

  /** Starts a run now, or queues it when max_concurrent runs are already going. */
  start(slot: Slot, why: string, delayMs: number | null, refusal: string | null = null): void {
    const { ctx } = this;
    if (ctx.shuttingDown() || slot.run || !slot.enabled || slot.state === 'failed') return;
    if (this.hooks.held?.(slot)) return;
    if (slot.timer) (clearTimeout(slot.timer), (slot.timer = null));
    slot.nextStartAt = null;
    if (this.running() >= ctx.o.config.maxConcurrent) {
      if (!ctx.startQueue.includes(slot.cfg.id)) ctx.startQueue.push(slot.cfg.id);
      slot.nextDelayMs = delayMs;
      return;
    }
    ctx.startQueue = ctx.startQueue.filter((q) => q !== slot.cfg.id);
    // Its worktree first; a failure to make it is the run's failure (class worktree), recorded like any other.
    if (!refusal && !this.worktrees.readyFor(slot, (failure) => this.start(slot, why, delayMs, failure))) return;
    // Writes still waiting go first (a retry's wake, the last run's end): the new run's
    // record must not overtake them, and while they wait the file is busy anyway.
    if (!ctx.writes.flush()) return this.deferStart(slot, why, delayMs);
    let rec;
    try {
      rec = this.recordStart(slot, why, delayMs);
    } catch (err) {
      // Nothing was recorded and no wake consumed: the start is tried again shortly.
      if (!isBusy(err)) ctx.o.log(`${slot.cfg.id}: could not record a run: ${(err as Error)?.stack ?? String(err)}`);
      return this.deferStart(slot, why, delayMs, isBusy(err) ? undefined : 5000);
    }
    this.launch(slot, why, rec, refusal);
  }

  /** Starts queued agents while max_concurrent allows. */
  drainQueue(): void {
    const { ctx } = this;
    while (ctx.startQueue.length && this.running() < ctx.o.config.maxConcurrent) {
      const slot = ctx.slots.get(ctx.startQueue.shift()!)!;
      ctx.safe(slot.cfg.id, () => this.start(slot, slot.cfg.mode === 'service' ? 'start' : 'wake', slot.nextDelayMs));
    }
  }

  /** A start the database refused (busy): tried again after a jittered pause; nothing is lost. */
  private deferStart(slot: Slot, why: string, delayMs: number | null, pauseMs?: number): void {
    const pause = pauseMs ?? Math.round(300 + Math.random() * 700);
    if (!slot.deferred) ((slot.deferred = true), this.ctx.o.log(`${slot.cfg.id}: database busy, start deferred`));
    slot.nextStartAt = this.ctx.now() + pause;
    slot.timer = setTimeout(() => {
      slot.timer = null;
      this.ctx.safe(slot.cfg.id, () => this.start(slot, why, delayMs));
    }, pause);
  }

  /** The run's row, its wakes consumed and its messages delivered, in one transaction. */
  private recordStart(slot: Slot, why: string, delayMs: number | null) {
    const { db, o } = this.ctx;
    const a = slot.cfg;
    const now = this.ctx.now();
    const runId = newId();
    const logPath = runLogPath(o.dataDir, a.id, runId);
    return writeTx(db, () => {
      const wakes = R.pendingWakes(db, a.id);
      const scheduled = wakes.find((w) => w.timeout_ms != null);
      const timeout = scheduled?.timeout_ms ?? a.timeoutMs;
      // A service's start or restart says so, with the wakes it picks up behind it.
      const reason = slot.retryOf
        ? `retry of ${slot.retryOf.runId.slice(0, 8)} (${slot.retryOf.reason})`
        : wakes.length && why !== 'wake'
          ? `${why}, ${wakeSummary(wakes, why)}`
          : wakeSummary(wakes, why);
      const row = R.insertRun(db, {
        id: runId,
        agent: a.id,
        log_path: logPath,
        started_at: now,
        wake_reason: reason,
        timeout_ms: timeout,
        restart_delay_ms: delayMs,
      });
      R.consumeWakes(
        db,
        wakes.map((w) => w.id),
        runId,
        now,
      );
      // The messages that woke the run are in the agent's hands now.
      markDelivered(
        db,
        wakes.filter((w) => ['message', 'task', 'review'].includes(w.reason) && w.detail).map((w) => w.detail!),
      );
      const prompt = composePrompt(a, wakes, wakeContext(db, a.id), slot.retryOf ? reason : why);
      return { row, prompt, now, runId, logPath };
    });
  }

  /** Spawns the recorded run; from here on every write may wait in the queue. */
  private launch(slot: Slot, why: string, rec: ReturnType<Runs['recordStart']>, refusal: string | null): void {
    const { ctx } = this;
    const { row, prompt, now, runId, logPath } = rec;
    const a = slot.cfg;
    slot.deferred = false;
    slot.retryOf = null;
    const run = this.makeRun(row, false);
    run.lastOutputAt = now;
    slot.run = run;
    slot.state = 'running';
    let spawned: Spawned;
    let summary = 'not started';
    try {
      // Secrets first: a run the keyring cannot serve gets no cgroup and no process.
      const secrets = refusal ? null : ctx.secrets.forRun(a, runId);
      if (!secrets) spawned = notStarted(logPath, refusal!, { worktreeFailure: refusal });
      else if (secrets.refusal) spawned = notStarted(logPath, secrets.refusal, { secretsFailure: secrets.refusal });
      else {
        // Names only, before the process exists: its log may be read offline and scrubbed by them.
        if (secrets.refs) ctx.writes.write(`the secret names of run ${runId.slice(0, 8)}`, () => R.setRunSecretRefs(ctx.db, runId, secrets.refs!));
        const vars = { AGOR_DB: ctx.o.dbPath, AGOR_GROUP: ctx.o.config.group, AGOR_RUN_ID: runId, AGOR_WAKE_REASON: row.wake_reason ?? why, ...clockEnv() };
        const { argv, env } = agentInvocation(a, prompt, vars, process.env, secrets.env);
        const prep = ctx.contain.prepare(this.worktrees.runConfig(slot), runId, argv, env);
        for (const w of prep.warnings) ctx.o.log(`${a.id}: warning: ${w}`);
        run.cgroup = prep.cgroup;
        run.limitBase = baseline(prep.cgroup);
        summary = prep.summary;
        if (prep.spawnError) spawned = { pid: null, exited: Promise.resolve<ExitStatus>({ ...NO_STATUS, spawnError: prep.spawnError }) };
        else if (prep.refusal) spawned = notStarted(logPath, prep.refusal, { sandboxFailure: prep.refusal });
        else {
          const [file, ...args] = prep.argv;
          spawned = spawnAgent({ file: file!, args, cwd: slot.workdir, env: prep.env, stdin: a.promptVia === 'stdin' ? prompt : null, logFd: openRunLog(logPath) });
        }
      }
    } catch (err) {
      summary = 'not started';
      spawned = { pid: null, exited: Promise.resolve<ExitStatus>({ code: null, signal: null, spawnError: (err as Error).message }) };
    }
    if (spawned.pid) {
      run.pid = spawned.pid;
      run.pidStart = procStat(spawned.pid)?.starttime ?? null;
      const [pid, start] = [spawned.pid, run.pidStart ?? 0];
      // If this waits and the supervisor dies, the next one finds the run by its AGOR_RUN_ID.
      ctx.writes.write(`the pid of run ${runId.slice(0, 8)}`, () => R.setRunPid(ctx.db, runId, pid, start, bootId(), summary), `pid:${runId}`);
    } else ctx.writes.write(`the sandbox of run ${runId.slice(0, 8)}`, () => R.setRunSandbox(ctx.db, runId, summary));
    spawned.exited.then((st) => ctx.safe(a.id, () => this.onExit(slot, run, st, false))).catch((err) => ctx.o.log(`${a.id}: ${String(err)}`));
    this.arm(slot, run);
    ctx.persist(slot);
    const sec = Math.floor(Date.now() / 1000);
    ctx.writes.write(`the heartbeat of ${a.id}`, () => recordHeartbeat(ctx.db, a.id, sec), `hb:${a.id}`);
    this.hooks.started(a.id, run);
    ctx.emit({ event: 'run_start', at: iso(now)!, agent: a.id, run: runId, pid: run.pid, incarnation: row.incarnation, wake_reason: row.wake_reason });
  }

  /** A run as the supervisor holds it, from its row. */
  makeRun(row: R.RunRow, adopted: boolean): Run {
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    let size = 0;
    try {
      size = row.log_path ? statSync(row.log_path).size : 0;
    } catch {
      /* no log yet */
    }
    return {
      id: row.id,
      pid: row.pid,
      pidStart: row.pid_start,
      startedAt: row.started_at,
      logPath: row.log_path ?? runLogPath(this.ctx.o.dataDir, row.agent, row.id),
      timeoutMs: row.timeout_ms,
      adopted,
      wakeReason: row.wake_reason ?? 'start',
      stopping: null,
      killAt: null,
      timers: [],
      lastSize: size,
      lastOutputAt: this.ctx.now(),
      peakKb: row.peak_rss_kb ?? 0,
      cgroup: adopted ? this.ctx.contain.existing(row.agent, row.id) : null,
      limitBase: { oom: 0, pids: 0 },
      ended: false,
      done,
      finish,
    };
  }

  /** The timers of a live run: wall-clock timeout and the stability window. */
  arm(slot: Slot, run: Run): void {
    const { ctx } = this;
    const elapsed = Math.max(0, ctx.now() - run.startedAt);
    if (run.timeoutMs != null) run.timers.push(setTimeout(() => this.stopQuietly(slot, 'timeout'), Math.max(0, run.timeoutMs - elapsed)));
    if (slot.cfg.mode === 'service') {
      run.timers.push(
        setTimeout(
          () => {
            if (slot.run === run && (slot.attempts > 0 || slot.health !== 'healthy')) {
              slot.attempts = 0;
              slot.health = 'healthy';
              ctx.persist(slot);
              ctx.emitState(slot, 'stable');
            }
          },
          Math.max(0, slot.cfg.restart.stableAfterMs - elapsed),
        ),
      );
    }
  }

  /**
   * Signals a run's process group, unless its leader is gone and the group with it: a pid
   * whose start time has changed belongs to someone else now. A group outlives its leader
   * only while a member lives, and the kernel does not reuse its id until then.
   */
  private signal(run: Run, sig: NodeJS.Signals): void {
    if (run.pid && (isSameProcess(run.pid, run.pidStart) || groupMembers(run.pid).length)) killGroup(run.pid, sig);
    // What left the group (setsid, double fork) is still in the run's cgroup.
    if (run.cgroup) {
      if (sig === 'SIGKILL') void run.cgroup.killAll(5000).catch(() => undefined);
      else for (const pid of run.cgroup.members()) if (procStat(pid)?.pgrp !== run.pid) killPid(pid, sig);
    }
  }

  /**
   * SIGTERM to the run's process group, SIGKILL after stop_grace; resolves when it has
   * ended, and rejects (never hangs) when it has not within stop_grace and some slack.
   */
  stop(slot: Slot, why: StopWhy): Promise<void> {
    const run = slot.run;
    if (!run) return Promise.resolve();
    if (run.stopping === null || why === 'down') run.stopping = run.stopping === 'timeout' && why !== 'down' ? 'timeout' : why;
    if (run.pid && run.killAt === null) {
      this.signal(run, 'SIGTERM');
      run.killAt = Date.now() + slot.cfg.stopGraceMs;
      run.timers.push(setTimeout(() => this.signal(run, 'SIGKILL'), slot.cfg.stopGraceMs));
      // A re-adopted run is not our child: no exit event comes, so watch /proc for its end
      // (the tick does too, but a shutdown has stopped the tick).
      if (run.adopted) {
        run.timers.push(
          setInterval(() => {
            if (!isSameProcess(run.pid, run.pidStart)) this.ctx.safe(slot.cfg.id, () => this.onExit(slot, run, NO_STATUS, false));
          }, 50),
        );
      }
    }
    return this.bounded(slot, run, slot.cfg.stopGraceMs + STOP_SLACK_MS);
  }

  /** Waits for a run's end, at most `ms`; a run whose process is gone is closed then and there. */
  private async bounded(slot: Slot, run: Run, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
    const r = await Promise.race([run.done.then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (r === 'done') return;
    if (!run.ended && !isSameProcess(run.pid, run.pidStart)) {
      this.ctx.o.log(`${slot.cfg.id}: run ${run.id.slice(0, 8)} is gone but no exit was seen; closing it`);
      this.ctx.safe(slot.cfg.id, () => this.onExit(slot, run, NO_STATUS, true));
      return;
    }
    if (run.ended) return; // only its leftover children are still being reaped
    throw new UserError(
      `${slot.cfg.id} did not end within ${Math.round(ms / 1000)} s of its stop (pid ${run.pid ?? '-'})`,
      'see agor logs; agor down ends it with SIGKILL',
      Exit.TIMEOUT,
    );
  }

  /** A stop nobody waits for (timeout, stall, an adopted run of a stopped agent): failures are logged. */
  stopQuietly(slot: Slot, why: StopWhy): void {
    this.stop(slot, why).catch((err) => this.ctx.o.log(`${slot.cfg.id}: ${(err as Error).message}`));
  }

  /**
   * A run has ended: its outcome, its record (retried until written, exactly once), then
   * what the slot does next. The slot moves on at once even while the record waits.
   */
  onExit(slot: Slot, run: Run, st: ExitStatus, statusLost: boolean): void {
    const { ctx } = this;
    if (run.ended) return;
    run.ended = true;
    for (const t of run.timers) clearTimeout(t);
    let reaped: Promise<void> = Promise.resolve();
    try {
      // A flood after the last tick must not leave the log unbounded.
      rotateIfLarge(run.logPath);
      this.hooks.ending(run);
      if (run.pid) {
        const kb = peakRssKb(run.pid);
        if (kb) run.peakKb = Math.max(run.peakKb, kb);
        reaped = reapGroup(run.pid, run.killAt, slot.cfg.stopGraceMs);
      }
      const cg = run.cgroup;
      if (cg) {
        const kb = cg.peakMemoryKb();
        if (kb) run.peakKb = Math.max(run.peakKb, kb);
        reaped = reaped.then(() => reapCgroup(cg, run.killAt, slot.cfg.stopGraceMs)).catch((err) => ctx.o.log(`${slot.cfg.id}: cgroup: ${(err as Error).message}`));
      }
    } catch (err) {
      ctx.o.log(`${slot.cfg.id}: ${(err as Error)?.stack ?? String(err)}`);
    }
    let row: R.RunRow | undefined;
    try {
      row = R.getRun(ctx.db, run.id);
    } catch (err) {
      // What the agent reported is lost to this outcome only; the exit status decides.
      ctx.o.log(`${slot.cfg.id}: could not read run ${run.id.slice(0, 8)}: ${(err as Error).message}`);
    }
    let outputTail: string | null = null;
    try {
      outputTail = readTail(run.logPath, OUTPUT_TAIL_BYTES);
    } catch {
      /* unreadable: a failure is then classed unknown */
    }
    const {
      outcome,
      errorClass,
      note: said,
    } = runOutcome({
      stopping: run.stopping,
      reported: row?.reported_outcome ?? null,
      reportReason: row?.report_reason ?? null,
      spawnError: st.spawnError,
      sandboxFailure: st.sandboxFailure ?? helperFailure(st, outputTail),
      secretsFailure: st.secretsFailure ?? null,
      worktreeFailure: st.worktreeFailure ?? null,
      limitHit: limitHit(slot.cfg, run.cgroup, run.limitBase, st.signal, outputTail, ctx.contain.cgroups.memory !== null),
      statusLost,
      code: st.code,
      signal: st.signal,
      timeoutMs: run.timeoutMs,
      stallAfterMs: slot.cfg.stallAfterMs,
      outputTail,
    });
    // A note may quote the run's output or its report: it is stored and shown, so scrubbed.
    const note = said === null ? null : ctx.scrub(run.id)(said);
    const audited = errorClass && AUDITED[errorClass];
    if (audited) ctx.audit(audited, { agent: slot.cfg.id, run: run.id, note });
    const ended = ctx.now();
    const peak = run.peakKb || null;
    const lastLine = runLastLine(outputTail, Buffer.byteLength(outputTail ?? '') >= OUTPUT_TAIL_BYTES, ctx.scrub(run.id));
    // endRun only closes an open run, so a retried or repeated end is recorded once.
    ctx.writes.write(
      `the end of run ${run.id.slice(0, 8)} of ${slot.cfg.id}`,
      () =>
        writeTx(ctx.db, () => {
          R.endRun(ctx.db, run.id, {
            ended_at: ended,
            exit_code: st.code,
            signal: st.signal,
            outcome,
            error_class: errorClass,
            note,
            peak_rss_kb: peak,
            last_line: lastLine,
          });
          returnRunLeases(ctx.db, run.id, outcome);
          for (const old of R.runsBeyondKept(ctx.db, slot.cfg.id)) {
            R.deleteRun(ctx.db, old.id);
            if (old.log_path) removeRunLog(old.log_path);
          }
        }),
      `end:${run.id}`,
    );
    if (slot.run === run) slot.run = null;
    try {
      ctx.emit({
        event: 'run_end',
        at: iso(ended)!,
        agent: slot.cfg.id,
        run: run.id,
        outcome,
        exit_code: st.code,
        signal: st.signal,
        error_class: errorClass,
        note,
      });
      follow(this, slot, run, outcome, errorClass, statusLost, ended);
    } catch (err) {
      ctx.o.log(`${slot.cfg.id}: after run ${run.id.slice(0, 8)}: ${(err as Error)?.stack ?? String(err)}`);
    }
    try {
      this.drainQueue();
    } catch (err) {
      ctx.o.log(`start queue: ${(err as Error)?.stack ?? String(err)}`);
    } finally {
      // After the follow-up, so a restart's new run already shows when `agor restart` answers,
      // and after the group is gone, so a stop leaves nothing behind when it answers.
      void reaped.then(run.finish, run.finish);
    }
  }

  /** Closes a run row without a slot (its agent left the config, or its end was never recorded). */
  closeRow(row: R.RunRow, outcome: R.Outcome, note: string, errorClass: string | null = null): void {
    const { ctx } = this;
    const at = ctx.now();
    ctx.writes.write(
      `the end of run ${row.id.slice(0, 8)} of ${row.agent}`,
      () =>
        writeTx(ctx.db, () => {
          R.endRun(ctx.db, row.id, { ended_at: at, exit_code: null, signal: null, outcome, error_class: errorClass, note, peak_rss_kb: null });
          returnRunLeases(ctx.db, row.id, outcome);
        }),
      `end:${row.id}`,
    );
  }
}

/** A run refused before its start: says why in its log, and ends at once as `status` tells. */
function notStarted(logPath: string, why: string, status: Partial<ExitStatus>): Spawned {
  const fd = openRunLog(logPath);
  try {
    writeSync(fd, `agor: the run was not started: ${why}\n`);
  } finally {
    closeSync(fd);
  }
  return { pid: null, exited: Promise.resolve<ExitStatus>({ ...NO_STATUS, ...status }) };
}
