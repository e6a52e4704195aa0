import { readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Socket } from 'node:net';
import { Exit, UserError, conflict, notFound, usage } from '../core/errors.js';
import { type Db, setBusyTimeout, writeTx } from '../db/open.js';
import { isBusy } from '../db/errors.js';
import { addContact, getAgent, recordHeartbeat, upsertAgent } from '../db/agents.js';
import { audit } from '../db/audit.js';
import { markDelivered, unreadCount } from '../db/messages.js';
import { renewAgentLeases } from '../db/tasks.js';
import * as R from '../db/runs.js';
import { activeLeaseCounts, checkpointWal, managedAgentIds, pendingWakesAfter, pressuredRunCount, readyTaskCount, reviewTaskCount, runCostSince } from '../db/supervisor.js';
import { watchDb } from '../db/watch.js';
import { newId } from '../core/ids.js';
import { ROLE_TIERS } from '../core/roles.js';
import { returnRunLeases } from '../task/board.js';
import { classifyFailure, retryAdvice } from './classify.js';
import type { Clock } from './clock.js';
import type { AgentConfig, GroupConfig } from './config.js';
import { LOG_MAX_BYTES, readFrom, readTail, removeRunLog, rotateIfLarge, runLogPath, openRunLog } from './logs.js';
import { bootId, groupMembers, isSameProcess, killGroup, peakRssKb, procStat } from './proc.js';
import { composePrompt, wakeSummary } from './prompt.js';
import type { AgentView, Event, Health, Request, State } from './protocol.js';
import { scheduleDue, scheduleKey, nextSlot } from './schedule.js';
import { attentionScore, backoffMs, wakeScore, type WakeSignal } from './scoring.js';
import { type ControlServer, FileLines, startControlServer } from './socket.js';
import { type ExitStatus, spawnAgent } from './spawn.js';
import { lastRunFields } from './status.js';
import { agentView } from './views.js';
import { requestWake } from './wake.js';
import { WriteQueue } from './writes.js';

/** Why a run is being stopped, which decides its outcome and what follows. */
type StopWhy = 'stop' | 'restart' | 'down' | 'timeout' | 'stalled' | 'removed';

interface Run {
  id: string;
  pid: number | null;
  pidStart: number | null;
  startedAt: number;
  logPath: string;
  timeoutMs: number | null;
  adopted: boolean;
  wakeReason: string;
  wakeCount: number;
  stopping: StopWhy | null;
  /** When a stop escalates to SIGKILL (wall clock). */
  killAt: number | null;
  timers: NodeJS.Timeout[];
  lastSize: number;
  lastOutputAt: number;
  stalled: boolean;
  idle: boolean;
  peakKb: number;
  ended: boolean;
  done: Promise<void>;
  finish: () => void;
}

interface Slot {
  cfg: AgentConfig;
  state: State;
  health: Health;
  run: Run | null;
  attempts: number;
  restarts: number;
  /** False after `agor stop`: nothing starts the agent until `agor start`. */
  enabled: boolean;
  /** A pending restart or retry. */
  timer: NodeJS.Timeout | null;
  nextStartAt: number | null;
  nextDelayMs: number | null;
  /** The prompt of a failed on-demand run, for its retry. */
  retryOf: { runId: string; reason: string } | null;
  lastOutcome: string | null;
  lastScorerWake: number;
  queued: boolean;
  /** A start put off because the database was busy (logged once per streak). */
  deferred: boolean;
  lastAttention: { score: number; reason: string | null };
  schedules: { key: string; next: number; s: AgentConfig['schedules'][number] }[];
}

export interface DaemonOptions {
  db: Db;
  dbPath: string;
  dataDir: string;
  socketPath: string;
  logPath: string | null;
  config: GroupConfig;
  clock: Clock;
  /** One line per event, for --headless and the supervisor's own log. */
  log: (line: string) => void;
  /** Every event as it happens (`agor up --json`). */
  events?: (ev: Event) => void;
}

const TICK_MS = 1000;
const HEARTBEAT_MS = 60_000;
const CHECKPOINT_MS = 5 * 60_000;
const SCORER_MS = 60_000;
const SCORER_COOLDOWN_MS = 10 * 60_000;
const FOLLOW_MS = 250;
const OUTPUT_TAIL_BYTES = 8 * 1024;
/**
 * The supervisor's own wait for the write lock. The database driver blocks the process while it
 * waits, so a long wait would freeze the control socket and every timer; a write refused
 * after this long is retried from the event loop instead (WriteQueue).
 */
export const SUPERVISOR_BUSY_MS = 250;
/** How long start-up and requests keep retrying their writes (lock row, registration, a wake) on a busy file. */
const PATIENT_WRITE_MS = 60_000;
/** Beyond stop_grace, what a stop waits for a run's end (SIGKILL and reaping included). */
const STOP_SLACK_MS = 10_000;
/** How long shutdown keeps retrying the writes still waiting. */
const SHUTDOWN_WRITE_MS = 10_000;
/** Every this many ticks, runs left open with no process are closed. */
const SWEEP_TICKS = 10;

const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

/** The supervisor: one per database, holding the lock row and the control socket. */
export class Supervisor {
  private readonly db: Db;
  private readonly o: DaemonOptions;
  private readonly slots = new Map<string, Slot>();
  private server: ControlServer | null = null;
  private intervals: NodeJS.Timeout[] = [];
  private stopWatch: (() => void) | null = null;
  private startQueue: string[] = [];
  private followers = new Set<{ conn: Socket; agent: string; fixedRun: string | null; runId: string | null; path: string | null; offset: number }>();
  private followTimer: NodeJS.Timeout | null = null;
  private shuttingDown: Promise<void> | null = null;
  private lastWakeId = 0;
  private readonly pid = process.pid;
  private readonly writes: WriteQueue;
  /** The counts `agor ps` showed last, for when the database cannot be read. */
  private lastCounts = { unread: new Map<string, number>(), claimed: new Map<string, number>(), pending: new Map<string, number>(), beats: new Map<string, number | null>() };
  private lastReadError = 0;
  private exitResolve!: () => void;
  /** Resolves once the supervisor has shut down. */
  readonly exited = new Promise<void>((r) => (this.exitResolve = r));

  constructor(o: DaemonOptions) {
    this.o = o;
    this.db = o.db;
    this.writes = new WriteQueue({ log: (l) => o.log(l), drained: () => this.safe('wakes', () => this.checkWakes()) });
    for (const cfg of o.config.agents) {
      this.slots.set(cfg.id, {
        cfg,
        state: cfg.mode === 'service' ? 'inactive' : 'dormant',
        health: 'healthy',
        run: null,
        attempts: 0,
        restarts: 0,
        enabled: true,
        timer: null,
        nextStartAt: null,
        nextDelayMs: null,
        retryOf: null,
        lastOutcome: null,
        lastScorerWake: 0,
        queued: false,
        deferred: false,
        lastAttention: { score: 0, reason: null },
        schedules: [],
      });
    }
  }

  private now(): number {
    return this.o.clock.now();
  }

  // ---------------------------------------------------------------- start-up

  /** Takes the lock, registers the group, re-adopts live runs, serves the socket. */
  async start(): Promise<void> {
    setBusyTimeout(this.db, SUPERVISOR_BUSY_MS);
    await this.patientWrite('the supervisor lock', () => this.acquireLock());
    try {
      await this.patientWrite('the agents of the group', () => this.register());
      this.restoreState();
      this.server = await startControlServer(this.o.socketPath, {
        request: (req, conn) => this.handle(req, conn),
        closed: (conn) => this.dropFollower(conn),
        log: (line) => this.o.log(line),
      });
      this.adopt();
      this.initSchedules();
      this.lastWakeId = R.maxWakeId(this.db);
      for (const slot of this.slots.values()) {
        if (slot.run) continue;
        if (slot.cfg.mode === 'service' && slot.enabled && slot.state !== 'failed') this.startRun(slot, 'start', 0);
        else this.persist(slot);
      }
      this.safe('wakes', () => this.checkWakes());
      this.intervals.push(
        setInterval(() => this.safe('tick', () => this.tick()), TICK_MS),
        setInterval(() => this.safe('heartbeats', () => this.heartbeats()), HEARTBEAT_MS),
        setInterval(() => this.checkpoint(), CHECKPOINT_MS),
        setInterval(() => this.safe('wake scorer', () => this.runScorer()), SCORER_MS),
      );
      this.stopWatch = watchDb(this.o.dbPath, () => this.safe('wakes', () => this.checkWakes()), { debounceMs: 20, safetyPollMs: 2000 });
      this.heartbeats();
      await this.patientWrite('readiness', () => R.setSupervisorReady(this.db, this.pid));
      this.emit({ event: 'supervisor', at: iso(Date.now())!, status: 'ready', pid: this.pid });
    } catch (err) {
      this.writes.close();
      this.release();
      throw err;
    }
  }

  /** A write someone waits for (start-up, a request), retried while the file is busy, up to `ms`. */
  private async patientWrite(what: string, fn: () => void, ms = PATIENT_WRITE_MS): Promise<void> {
    const deadline = Date.now() + ms;
    let told = false;
    for (;;) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err) || Date.now() >= deadline) throw err;
        if (!told) (told = true), this.o.log(`database busy: waiting to record ${what}`);
      }
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
    }
  }

  /** Runs one piece of bookkeeping; what it throws is logged, never fatal to the supervisor. */
  private safe(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (isBusy(err)) {
        // Reads rarely meet a busy file (WAL); the next tick or safety poll tries again.
        if (Date.now() - this.lastReadError > 10_000) (this.lastReadError = Date.now()), this.o.log(`${where}: database busy, will try again`);
      } else this.o.log(`${where}: ${(err as Error)?.stack ?? String(err)}`);
    }
  }

  /**
   * What the operator or the failure policy decided before this supervisor started: an
   * agent stopped with `agor stop` stays stopped, and a failed one stays failed (its wakes
   * waiting), until `agor start` or `restart`.
   */
  private restoreState(): void {
    for (const row of R.listAgentState(this.db)) {
      const slot = this.slots.get(row.agent);
      if (!slot) continue;
      if (row.enabled === 0) slot.enabled = false;
      if (row.state === 'failed') {
        slot.state = 'failed';
        slot.health = 'failed';
        slot.attempts = row.attempts;
        slot.restarts = row.restarts;
        this.o.log(`${slot.cfg.id}: stays failed until agor start or restart`);
      } else if (!slot.enabled) {
        slot.state = 'inactive';
        this.o.log(`${slot.cfg.id}: stays stopped until agor start or restart`);
      }
    }
  }

  private acquireLock(): void {
    writeTx(this.db, () => {
      const cur = R.getSupervisor(this.db);
      if (cur && cur.pid !== this.pid && isSameProcess(cur.pid, cur.pid_start, cur.boot_id)) {
        throw new UserError(
          `another supervisor holds ${this.o.dbPath}: pid ${cur.pid} on ${cur.host ?? '?'}, since ${iso(cur.started_at)}${cur.config ? `, for ${cur.config}` : ''}`,
          'stop it with: agor down (or use another --db)',
          7,
        );
      }
      R.putSupervisor(this.db, {
        pid: this.pid,
        pid_start: procStat(this.pid)?.starttime ?? 0,
        boot_id: bootId(),
        host: hostname(),
        socket: this.o.socketPath,
        config: this.o.config.file,
        group_id: this.o.config.group,
        log: this.o.logPath,
        started_at: Date.now(),
      });
    });
  }

  private release(): void {
    try {
      R.clearSupervisor(this.db, this.pid);
    } catch {
      /* the database may be gone or busy: a lock row whose pid is gone is not held */
    }
  }

  /** Registers the group's agents and their default contacts, as btmsg register/allow would. */
  private register(): void {
    const { group, agents } = this.o.config;
    writeTx(this.db, () => {
      const ids = new Set(agents.map((a) => a.id));
      for (const a of agents) {
        const created = upsertAgent(this.db, { id: a.id, name: a.name, role: a.role, group_id: group, tier: ROLE_TIERS[a.role], model: a.model, cwd: a.cwd });
        R.setManaged(this.db, a.id, true);
        if (created === 'created') audit(this.db, 'admin', 'agent_registered', { agent: a.id, role: a.role, group, by: 'agor' });
      }
      const managers = agents.filter((a) => a.role === 'manager').map((a) => a.id);
      const tier1 = agents.filter((a) => ROLE_TIERS[a.role] === 1).map((a) => a.id);
      for (const a of agents) {
        const reach =
          a.role === 'manager' ? agents.map((b) => b.id) : ROLE_TIERS[a.role] === 1 ? [...tier1, ...managers] : [...managers];
        for (const to of [...reach, ...a.contacts]) if (to !== a.id && to !== 'admin') addContact(this.db, a.id, to);
      }
      // Agents of this group dropped from agor.yaml are no longer woken by messages.
      for (const id of managedAgentIds(this.db, group)) {
        if (!ids.has(id)) {
          R.setManaged(this.db, id, false);
          R.deleteAgentState(this.db, id);
        }
      }
      audit(this.db, 'admin', 'supervisor_started', { pid: this.pid, group, config: this.o.config.file, agents: agents.length });
    });
  }

  /** Runs left open by an earlier supervisor: re-adopt the live ones, close the rest. */
  private adopt(): void {
    for (const row of R.openRuns(this.db)) {
      const slot = this.slots.get(row.agent);
      let pid = row.pid;
      let pidStart = row.pid_start;
      if (pid === null) {
        // The earlier supervisor died between recording the run and its pid.
        const found = findByRunId(row.id);
        if (!found) {
          this.writes.write(
            `the removal of unstarted run ${row.id.slice(0, 8)}`,
            () =>
              writeTx(this.db, () => {
                R.releaseWakes(this.db, row.id);
                R.deleteRun(this.db, row.id);
              }),
            `end:${row.id}`,
          );
          continue;
        }
        pid = found.pid;
        pidStart = found.starttime;
        const [p, ps] = [pid, pidStart];
        this.writes.write(`the pid of run ${row.id.slice(0, 8)}`, () => R.setRunPid(this.db, row.id, p, ps, bootId()), `pid:${row.id}`);
      }
      const alive = isSameProcess(pid, pidStart, row.boot_id);
      if (!slot) {
        if (alive) {
          killGroup(pid, 'SIGTERM');
          const pgid = pid;
          // Only while a member lives: until then the kernel cannot hand the group's id to anyone else.
          setTimeout(() => groupMembers(pgid).length && killGroup(pgid, 'SIGKILL'), 10_000).unref();
        }
        this.closeRun(row, { code: null, signal: null, spawnError: null }, 'cancelled', `${row.agent} is no longer in ${this.o.config.file}`);
        continue;
      }
      if (!alive) {
        const run = this.makeRun(row, true);
        slot.run = run;
        this.onExit(slot, run, { code: null, signal: null, spawnError: null }, true);
        continue;
      }
      const run = this.makeRun({ ...row, pid, pid_start: pidStart }, true);
      slot.run = run;
      slot.state = 'running';
      this.armRun(slot, run);
      this.persist(slot);
      this.emit({ event: 'run_start', at: iso(this.now())!, agent: slot.cfg.id, run: run.id, pid, incarnation: row.incarnation, wake_reason: row.wake_reason, adopted: true });
      this.o.log(`${slot.cfg.id}: re-adopted run ${row.id.slice(0, 8)} (pid ${pid})`);
      // Stopped by the operator while the supervisor was gone mid-stop: finish the stop.
      if (!slot.enabled) this.stopQuietly(slot, 'stop');
    }
  }

  private makeRun(row: R.RunRow, adopted: boolean): Run {
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
      logPath: row.log_path ?? runLogPath(this.o.dataDir, row.agent, row.id),
      timeoutMs: row.timeout_ms,
      adopted,
      wakeReason: row.wake_reason ?? 'start',
      wakeCount: 0,
      stopping: null,
      killAt: null,
      timers: [],
      lastSize: size,
      lastOutputAt: this.now(),
      stalled: false,
      idle: false,
      peakKb: row.peak_rss_kb ?? 0,
      ended: false,
      done,
      finish,
    };
  }

  private initSchedules(): void {
    const now = this.now();
    for (const slot of this.slots.values()) {
      for (const s of slot.cfg.schedules) {
        const key = scheduleKey(s);
        const last = R.scheduleLastFired(this.db, slot.cfg.id, key);
        const d = scheduleDue(s, last, now);
        if (d.fire) this.fireSchedule(slot, s, key, d.slot, d.missed);
        else if (d.record !== null) {
          const rec = d.record;
          this.writes.write(`schedule ${key} of ${slot.cfg.id}`, () => R.setScheduleFired(this.db, slot.cfg.id, key, rec, false));
        }
        slot.schedules.push({ key, s, next: nextSlot(s, now) });
      }
    }
  }

  private fireSchedule(slot: Slot, s: AgentConfig['schedules'][number], key: string, at: number, missed: number): void {
    const detail = `${s.cron} (${s.tz}) for ${iso(at)}${missed > 1 ? `, ${missed} slots missed while down` : ''}`;
    this.writes.write(`schedule ${key} of ${slot.cfg.id}`, () =>
      writeTx(this.db, () => {
        R.setScheduleFired(this.db, slot.cfg.id, key, at);
        R.insertWake(this.db, { agent: slot.cfg.id, reason: 'schedule', detail, prompt: s.prompt, timeout_ms: s.timeoutMs });
      }),
    );
    this.o.log(`${slot.cfg.id}: schedule ${detail} fired`);
  }

  // ---------------------------------------------------------------- runs

  private running(): number {
    let n = 0;
    for (const s of this.slots.values()) if (s.run) n++;
    return n;
  }

  /** Starts a run now, or queues it when max_concurrent runs are already going. */
  private startRun(slot: Slot, why: string, delayMs: number | null): void {
    if (this.shuttingDown || slot.run || !slot.enabled || slot.state === 'failed') return;
    if (slot.timer) (clearTimeout(slot.timer), (slot.timer = null));
    slot.nextStartAt = null;
    if (this.running() >= this.o.config.maxConcurrent) {
      if (!slot.queued) (slot.queued = true), this.startQueue.push(slot.cfg.id);
      slot.nextDelayMs = delayMs;
      return;
    }
    slot.queued = false;
    // Writes still waiting go first (a retry's wake, the last run's end): the new run's
    // record must not overtake them, and while they wait the file is busy anyway.
    if (!this.writes.flush()) return this.deferStart(slot, why, delayMs);
    let rec;
    try {
      rec = this.recordStart(slot, why, delayMs);
    } catch (err) {
      // Nothing was recorded and no wake consumed: the start is tried again shortly.
      if (!isBusy(err)) this.o.log(`${slot.cfg.id}: could not record a run: ${(err as Error)?.stack ?? String(err)}`);
      return this.deferStart(slot, why, delayMs, isBusy(err) ? undefined : 5000);
    }
    this.launch(slot, why, rec);
  }

  /** A start the database refused (busy): tried again after a jittered pause; nothing is lost. */
  private deferStart(slot: Slot, why: string, delayMs: number | null, pauseMs?: number): void {
    const pause = pauseMs ?? Math.round(300 + Math.random() * 700);
    if (!slot.deferred) (slot.deferred = true), this.o.log(`${slot.cfg.id}: database busy, start deferred`);
    slot.nextStartAt = this.now() + pause;
    slot.timer = setTimeout(() => {
      slot.timer = null;
      this.safe(slot.cfg.id, () => this.startRun(slot, why, delayMs));
    }, pause);
  }

  /** The run's row, its wakes consumed and its messages delivered, in one transaction. */
  private recordStart(slot: Slot, why: string, delayMs: number | null) {
    const a = slot.cfg;
    const now = this.now();
    const runId = newId();
    const logPath = runLogPath(this.o.dataDir, a.id, runId);
    return writeTx(this.db, () => {
      const wakes = R.pendingWakes(this.db, a.id);
      const scheduled = wakes.find((w) => w.timeout_ms != null);
      const timeout = scheduled?.timeout_ms ?? a.timeoutMs;
      // A service's start or restart says so, with the wakes it picks up behind it.
      const reason = slot.retryOf
        ? `retry of ${slot.retryOf.runId.slice(0, 8)} (${slot.retryOf.reason})`
        : wakes.length && why !== 'wake'
          ? `${why}, ${wakeSummary(wakes, why)}`
          : wakeSummary(wakes, why);
      const row = R.insertRun(this.db, { id: runId, agent: a.id, log_path: logPath, started_at: now, wake_reason: reason, timeout_ms: timeout, restart_delay_ms: delayMs });
      R.consumeWakes(this.db, wakes.map((w) => w.id), runId, now);
      // The messages that woke the run are in the agent's hands now.
      markDelivered(this.db, wakes.filter((w) => ['message', 'task', 'review'].includes(w.reason) && w.detail).map((w) => w.detail!));
      const prompt = composePrompt(a, wakes, this.wakeContext(a.id), slot.retryOf ? reason : why);
      return { wakes, row, prompt, now, runId, logPath };
    });
  }

  /** Spawns the recorded run; from here on every write may wait in the queue. */
  private launch(slot: Slot, why: string, rec: ReturnType<Supervisor['recordStart']>): void {
    const { wakes, row, prompt, now, runId, logPath } = rec;
    const a = slot.cfg;
    slot.deferred = false;
    slot.retryOf = null;
    const run = this.makeRun(row, false);
    run.wakeCount = wakes.length;
    run.lastOutputAt = now;
    slot.run = run;
    slot.state = 'running';
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AGOR_') && k !== 'BTMSG_AGENT_ID') env[k] = v;
    Object.assign(env, a.env, {
      AGOR_DB: this.o.dbPath,
      BTMSG_AGENT_ID: a.id,
      AGOR_AGENT: a.id,
      AGOR_GROUP: this.o.config.group,
      AGOR_RUN_ID: runId,
      AGOR_WAKE_REASON: row.wake_reason ?? why,
    });
    if (a.promptVia === 'env') env.AGOR_PROMPT = prompt;
    const argv = a.command.map((x) => (a.promptVia === 'arg' ? x.split('{prompt}').join(prompt) : x));
    let spawned;
    try {
      spawned = spawnAgent({ file: argv[0]!, args: argv.slice(1), cwd: a.cwd, env, stdin: a.promptVia === 'stdin' ? prompt : null, logFd: openRunLog(logPath) });
    } catch (err) {
      spawned = { pid: null, exited: Promise.resolve<ExitStatus>({ code: null, signal: null, spawnError: (err as Error).message }) };
    }
    if (spawned.pid) {
      run.pid = spawned.pid;
      run.pidStart = procStat(spawned.pid)?.starttime ?? null;
      const [pid, start] = [spawned.pid, run.pidStart ?? 0];
      // If this waits and the supervisor dies, the next one finds the run by its AGOR_RUN_ID.
      this.writes.write(`the pid of run ${runId.slice(0, 8)}`, () => R.setRunPid(this.db, runId, pid, start, bootId()), `pid:${runId}`);
    }
    spawned.exited.then((st) => this.safe(a.id, () => this.onExit(slot, run, st, false))).catch((err) => this.o.log(`${a.id}: ${String(err)}`));
    this.armRun(slot, run);
    this.persist(slot);
    this.heartbeatOne(slot);
    this.switchFollowers(a.id, run);
    this.emit({ event: 'run_start', at: iso(now)!, agent: a.id, run: runId, pid: run.pid, incarnation: row.incarnation, wake_reason: row.wake_reason });
  }

  /** The timers of a live run: wall-clock timeout and the stability window. */
  private armRun(slot: Slot, run: Run): void {
    const elapsed = Math.max(0, this.now() - run.startedAt);
    if (run.timeoutMs != null) run.timers.push(setTimeout(() => this.stopQuietly(slot, 'timeout'), Math.max(0, run.timeoutMs - elapsed)));
    if (slot.cfg.mode === 'service') {
      run.timers.push(
        setTimeout(() => {
          if (slot.run === run && (slot.attempts > 0 || slot.health !== 'healthy')) {
            slot.attempts = 0;
            slot.health = 'healthy';
            this.persist(slot);
            this.emitState(slot, 'stable');
          }
        }, Math.max(0, slot.cfg.restart.stableAfterMs - elapsed)),
      );
    }
  }

  /**
   * Signals a run's process group, unless its leader is gone and the group with it: a pid
   * whose start time has changed belongs to someone else now. A group outlives its leader
   * only while a member lives, and the kernel does not reuse its id until then.
   */
  private signalRun(run: Run, sig: NodeJS.Signals): void {
    if (!run.pid) return;
    if (isSameProcess(run.pid, run.pidStart) || groupMembers(run.pid).length) killGroup(run.pid, sig);
  }

  /**
   * SIGTERM to the run's process group, SIGKILL after stop_grace; resolves when it has
   * ended, and rejects (never hangs) when it has not within stop_grace and some slack.
   */
  private stopRun(slot: Slot, why: StopWhy): Promise<void> {
    const run = slot.run;
    if (!run) return Promise.resolve();
    if (run.stopping === null || why === 'down') run.stopping = run.stopping === 'timeout' && why !== 'down' ? 'timeout' : why;
    if (run.pid && run.killAt === null) {
      this.signalRun(run, 'SIGTERM');
      run.killAt = Date.now() + slot.cfg.stopGraceMs;
      run.timers.push(setTimeout(() => this.signalRun(run, 'SIGKILL'), slot.cfg.stopGraceMs));
      // A re-adopted run is not our child: no exit event comes, so watch /proc for its end
      // (the tick does too, but a shutdown has stopped the tick).
      if (run.adopted) {
        run.timers.push(
          setInterval(() => {
            if (!isSameProcess(run.pid, run.pidStart)) this.safe(slot.cfg.id, () => this.onExit(slot, run, { code: null, signal: null, spawnError: null }, false));
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
      this.o.log(`${slot.cfg.id}: run ${run.id.slice(0, 8)} is gone but no exit was seen; closing it`);
      this.safe(slot.cfg.id, () => this.onExit(slot, run, { code: null, signal: null, spawnError: null }, true));
      return;
    }
    if (run.ended) return; // only its leftover children are still being reaped
    throw new UserError(`${slot.cfg.id} did not end within ${Math.round(ms / 1000)} s of its stop (pid ${run.pid ?? '-'})`, 'see agor logs; agor down ends it with SIGKILL', Exit.TIMEOUT);
  }

  /** A stop nobody waits for (timeout, stall, an adopted run of a stopped agent): failures are logged. */
  private stopQuietly(slot: Slot, why: StopWhy): void {
    this.stopRun(slot, why).catch((err) => this.o.log(`${slot.cfg.id}: ${(err as Error).message}`));
  }

  /**
   * Ends what remains of a run's process group once its leader has exited (children it
   * left behind): SIGTERM, then SIGKILL at the stop's deadline or after stop_grace.
   * Resolves when the group is empty, so a stop is over only when nothing is left.
   */
  private async reapGroup(pgid: number, killAt: number | null, graceMs: number): Promise<void> {
    if (!groupMembers(pgid).length) return;
    killGroup(pgid, 'SIGTERM');
    const deadline = killAt ?? Date.now() + graceMs;
    let killed = false;
    while (groupMembers(pgid).length) {
      if (!killed && Date.now() >= deadline) (killed = true), killGroup(pgid, 'SIGKILL');
      if (killed && Date.now() > deadline + 5000) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * A run has ended: its outcome, its record (retried until written, exactly once), then
   * what the slot does next. The slot moves on at once even while the record waits.
   */
  private onExit(slot: Slot, run: Run, st: ExitStatus, statusLost: boolean): void {
    if (run.ended) return;
    run.ended = true;
    for (const t of run.timers) clearTimeout(t);
    let reaped: Promise<void> = Promise.resolve();
    try {
      // A flood after the last tick must not leave the log unbounded.
      rotateIfLarge(run.logPath);
      this.flushFollowers(run);
      if (run.pid) {
        const kb = peakRssKb(run.pid);
        if (kb) run.peakKb = Math.max(run.peakKb, kb);
        reaped = this.reapGroup(run.pid, run.killAt, slot.cfg.stopGraceMs);
      }
    } catch (err) {
      this.o.log(`${slot.cfg.id}: ${(err as Error)?.stack ?? String(err)}`);
    }
    let row: R.RunRow | undefined;
    try {
      row = R.getRun(this.db, run.id);
    } catch (err) {
      // What the agent reported is lost to this outcome only; the exit status decides.
      this.o.log(`${slot.cfg.id}: could not read run ${run.id.slice(0, 8)}: ${(err as Error).message}`);
    }
    const reported = row?.reported_outcome ?? null;
    let outcome: R.Outcome;
    let errorClass: string | null = null;
    let note: string | null = null;
    const why = run.stopping;
    if (why === 'stop' || why === 'restart' || why === 'down' || why === 'removed') outcome = 'cancelled';
    else if (why === 'timeout') (outcome = 'timeout'), (note = `wall-clock timeout of ${Math.round((run.timeoutMs ?? 0) / 1000)} s`);
    else if (reported === 'blocked' || reported === 'partial') (outcome = reported), (note = row?.report_reason ?? null);
    else if (st.spawnError) (outcome = 'failed'), (errorClass = 'unknown'), (note = `could not start: ${st.spawnError}`);
    else if (statusLost) {
      outcome = reported ?? 'failed';
      if (outcome === 'failed') errorClass = 'unknown';
      note = 'exit status not observable: the run ended while it was re-adopted or while no supervisor ran';
    } else if (st.code === 0 && why !== 'stalled') outcome = 'success';
    else {
      outcome = 'failed';
      try {
        errorClass = classifyFailure(readTail(run.logPath, OUTPUT_TAIL_BYTES), st.code, st.signal);
      } catch {
        errorClass = 'unknown';
      }
      if (why === 'stalled') note = `killed after ${Math.round(slot.cfg.stallAfterMs / 1000)} s without output or heartbeat`;
    }
    const ended = this.now();
    const peak = run.peakKb || null;
    // endRun only closes an open run, so a retried or repeated end is recorded once.
    this.writes.write(
      `the end of run ${run.id.slice(0, 8)} of ${slot.cfg.id}`,
      () =>
        writeTx(this.db, () => {
          R.endRun(this.db, run.id, { ended_at: ended, exit_code: st.code, signal: st.signal, outcome, error_class: errorClass, note, peak_rss_kb: peak });
          returnRunLeases(this.db, run.id, outcome);
          for (const old of R.runsBeyondKept(this.db, slot.cfg.id)) {
            R.deleteRun(this.db, old.id);
            if (old.log_path) removeRunLog(old.log_path);
          }
        }),
      `end:${run.id}`,
    );
    if (slot.run === run) slot.run = null;
    slot.lastOutcome = outcome;
    try {
      this.emit({ event: 'run_end', at: iso(ended)!, agent: slot.cfg.id, run: run.id, outcome, exit_code: st.code, signal: st.signal, error_class: errorClass, note });
      this.afterRun(slot, run, outcome, errorClass, statusLost, ended);
    } catch (err) {
      this.o.log(`${slot.cfg.id}: after run ${run.id.slice(0, 8)}: ${(err as Error)?.stack ?? String(err)}`);
    }
    try {
      this.drainQueue();
    } catch (err) {
      this.o.log(`start queue: ${(err as Error)?.stack ?? String(err)}`);
    } finally {
      // After afterRun, so a restart's new run already shows when `agor restart` answers,
      // and after the group is gone, so a stop leaves nothing behind when it answers.
      void reaped.then(run.finish, run.finish);
    }
  }

  /** Closes a run row without a slot (its agent left the config). */
  private closeRun(row: R.RunRow, st: ExitStatus, outcome: R.Outcome, note: string, errorClass: string | null = null): void {
    const at = this.now();
    this.writes.write(
      `the end of run ${row.id.slice(0, 8)} of ${row.agent}`,
      () =>
        writeTx(this.db, () => {
          R.endRun(this.db, row.id, { ended_at: at, exit_code: st.code, signal: st.signal, outcome, error_class: errorClass, note, peak_rss_kb: null });
          returnRunLeases(this.db, row.id, outcome);
        }),
      `end:${row.id}`,
    );
  }

  /** What follows a run: restart, retry, a follow-up for waiting wakes, or rest. */
  private afterRun(slot: Slot, run: Run, outcome: R.Outcome, errorClass: string | null, statusLost: boolean, ended: number): void {
    const a = slot.cfg;
    const why = run.stopping;
    if (this.shuttingDown || why === 'down' || why === 'removed') {
      slot.state = a.mode === 'service' ? 'inactive' : 'dormant';
      this.persist(slot);
      this.emitState(slot, 'supervisor stopping');
      return;
    }
    // A run of a stopped agent that ended on its own (re-adopted after a crash mid-stop).
    if (why === 'stop' || !slot.enabled) {
      slot.state = 'inactive';
      this.persist(slot);
      this.emitState(slot, 'stopped');
      return;
    }
    if (why === 'restart') {
      slot.attempts = 0;
      slot.health = 'healthy';
      slot.restarts++;
      this.persist(slot);
      if (a.mode === 'service') this.startRun(slot, 'restart', 0);
      else this.deliverManual(slot, 'agor restart');
      return;
    }
    if (why === 'stalled' && a.onStall === 'kill') return this.markFailed(slot, 'killed after a stall (on_stall: kill)');
    const failed = outcome === 'failed';
    const advice = errorClass ? retryAdvice(errorClass as Parameters<typeof retryAdvice>[0]) : { retry: true, backoffFactor: 1 };
    if (a.mode === 'service') {
      // A service is kept running: any exit is a restart, counted as an attempt unless the
      // run had been stable; auth and quota failures wait for a human instead.
      if (ended - run.startedAt >= a.restart.stableAfterMs) slot.attempts = 0;
      if (failed && !advice.retry) return this.markFailed(slot, `${errorClass} failure: not retried`);
      slot.attempts++;
      if (slot.attempts > a.restart.maxRetries) return this.markFailed(slot, `${a.restart.maxRetries} restarts failed`);
      this.scheduleStart(slot, backoffMs(slot.attempts, a.restart.backoffMs, a.restart.backoffCapMs, advice.backoffFactor), outcome);
      return;
    }
    // On demand.
    if (failed && !statusLost) {
      if (!advice.retry) return this.markFailed(slot, `${errorClass} failure: not retried`);
      slot.attempts++;
      if (slot.attempts > a.restart.maxRetries) return this.markFailed(slot, `${a.restart.maxRetries} retries failed`);
      slot.retryOf = { runId: run.id, reason: run.wakeReason };
      // The retry is a wake of its own, so a crash during the backoff does not lose it.
      const wake = { agent: a.id, reason: 'retry', detail: `run ${run.id.slice(0, 8)} failed (${errorClass})`, prompt: null, timeout_ms: run.timeoutMs };
      this.writes.write(`the retry wake of ${a.id}`, () => R.insertWake(this.db, wake));
      this.scheduleStart(slot, backoffMs(slot.attempts, a.restart.backoffMs, a.restart.backoffCapMs, advice.backoffFactor), outcome);
      return;
    }
    slot.attempts = 0;
    slot.health = 'healthy';
    slot.state = 'dormant';
    this.persist(slot);
    this.emitState(slot, `run ${outcome}`);
    // Wakes that came in during the run coalesce into one follow-up.
    this.checkWakes();
  }

  private scheduleStart(slot: Slot, delay: number, outcome: string): void {
    slot.health = 'degraded';
    slot.state = slot.cfg.mode === 'service' ? 'inactive' : 'dormant';
    slot.restarts++;
    slot.nextStartAt = this.now() + delay;
    slot.nextDelayMs = delay;
    slot.timer = setTimeout(() => {
      slot.timer = null;
      this.safe(slot.cfg.id, () => this.startRun(slot, slot.cfg.mode === 'service' ? 'restart' : 'retry', delay));
    }, delay);
    this.persist(slot);
    this.emitState(slot, `run ${outcome}; attempt ${slot.attempts} of ${slot.cfg.restart.maxRetries} in ${delay} ms`);
  }

  private markFailed(slot: Slot, reason: string): void {
    slot.state = 'failed';
    slot.health = 'failed';
    slot.nextStartAt = null;
    this.persist(slot);
    this.audit('agent_failed', { agent: slot.cfg.id, reason });
    this.emitState(slot, reason);
  }

  private drainQueue(): void {
    while (this.startQueue.length && this.running() < this.o.config.maxConcurrent) {
      const slot = this.slots.get(this.startQueue.shift()!)!;
      slot.queued = false;
      this.safe(slot.cfg.id, () => this.startRun(slot, slot.cfg.mode === 'service' ? 'start' : 'wake', slot.nextDelayMs));
    }
  }

  /** An audit entry, recorded when the database lets it. */
  private audit(event: string, detail: Record<string, unknown>): void {
    this.writes.write(`audit ${event}`, () => audit(this.db, 'admin', event, detail));
  }

  // ---------------------------------------------------------------- wakes

  private wakeContext(agent: string): { unread: number; ready: number; review: number } {
    // Counted up to 1000: a prompt says "1000 ready tasks" as well as any larger number.
    const unread = unreadCount(this.db, agent);
    const ready = readyTaskCount(this.db, agent, 1000);
    const review = reviewTaskCount(this.db, 1000);
    return { unread, ready, review };
  }

  /** Starts runs for dormant agents with pending wakes; running agents get theirs after. */
  private checkWakes(): void {
    if (this.shuttingDown) return;
    const pending = R.pendingWakeCounts(this.db);
    for (const p of pending) {
      const slot = this.slots.get(p.agent);
      if (!slot) continue;
      if (p.last > this.lastWakeId) {
        for (const w of pendingWakesAfter(this.db, p.agent, this.lastWakeId)) {
          this.emit({ event: 'wake', at: iso(this.now())!, agent: p.agent, wake: w.id, reason: w.reason, detail: w.detail });
        }
      }
      if (slot.run || slot.timer || slot.queued || !slot.enabled || slot.state === 'failed') continue;
      if (slot.cfg.mode === 'service') {
        // A service that is not running (stopped) gets its wakes when it next starts.
        continue;
      }
      this.safe(slot.cfg.id, () => {
        if (slot.cfg.wake.strategy === 'smart' && !this.smartAllows(slot)) return;
        this.startRun(slot, 'wake', null);
      });
    }
    this.lastWakeId = Math.max(this.lastWakeId, ...pending.map((p) => p.last), 0);
  }

  /** Explicit wakes always pass; message and task wakes must reach the agent's threshold. */
  private smartAllows(slot: Slot): boolean {
    const wakes = R.pendingWakes(this.db, slot.cfg.id);
    if (wakes.some((w) => ['manual', 'schedule', 'retry', 'scorer'].includes(w.reason))) return true;
    const { score } = wakeScore(this.signals(slot, wakes));
    return score >= slot.cfg.wake.threshold;
  }

  /** The wake signals active for one agent now (architecture: wakes and schedules). */
  private signals(slot: Slot, wakes: R.WakeRow[]): WakeSignal[] {
    const out: WakeSignal[] = [];
    const id = slot.cfg.id;
    const tier1 = ROLE_TIERS[slot.cfg.role] === 1;
    const states = [...this.slots.values()].filter((s) => s !== slot);
    if (tier1 && states.some((s) => s.state === 'stalled' || s.state === 'failed')) out.push('attention_spike');
    const pressured = pressuredRunCount(this.db, 0.75);
    if (tier1 && pressured >= 2) out.push('context_pressure_cluster');
    const now = this.now();
    const cost = runCostSince(this.db, now - 3_600_000, now - 86_400_000);
    if (tier1 && cost.hour && cost.day && cost.hour > (2 * cost.day) / 24 && cost.day > cost.hour) out.push('burn_rate_anomaly');
    const ctx = this.wakeContext(id);
    if (ctx.ready >= 3 || wakes.some((w) => w.reason === 'task')) out.push('task_queue_pressure');
    if ((['reviewer', 'manager'].includes(slot.cfg.role) && ctx.review >= 3) || wakes.some((w) => w.reason === 'review')) out.push('review_backlog');
    const last = R.latestRun(this.db, id);
    if (wakes.length && (!last || (last.ended_at ?? now) < now - 3_600_000)) out.push('periodic_floor');
    return out;
  }

  /** The wake scorer: wakes a dormant smart agent when its signals alone pass its threshold. */
  private runScorer(): void {
    if (this.shuttingDown) return;
    const now = Date.now();
    for (const slot of this.slots.values()) {
      if (slot.cfg.wake.strategy !== 'smart' || slot.run || slot.timer || !slot.enabled || slot.state === 'failed') continue;
      if (now - slot.lastScorerWake < SCORER_COOLDOWN_MS) continue;
      const { score, signal } = wakeScore(this.signals(slot, []));
      if (signal && score >= slot.cfg.wake.threshold) {
        slot.lastScorerWake = now;
        const wake = { agent: slot.cfg.id, reason: 'scorer', detail: `${signal} (score ${score})`, prompt: null, timeout_ms: null };
        this.writes.write(`a scorer wake of ${slot.cfg.id}`, () => R.insertWake(this.db, wake));
      }
    }
    this.checkWakes();
  }

  private deliverManual(slot: Slot, why: string): void {
    const wake = { agent: slot.cfg.id, reason: 'manual', detail: why, prompt: null, timeout_ms: null };
    // Once written, the file watcher sees it too; checking now saves the debounce.
    if (this.writes.write(`a wake of ${slot.cfg.id}`, () => R.insertWake(this.db, wake))) this.checkWakes();
  }

  // ---------------------------------------------------------------- the tick

  private ticks = 0;

  private tick(): void {
    this.ticks++;
    const now = this.now();
    // One query for every live run's heartbeat, however many agents there are.
    let beats = new Map<string, number | null>();
    try {
      beats = new Map(R.openRunHeartbeats(this.db).map((r) => [r.id, r.heartbeat_at]));
    } catch {
      /* unreadable this tick: output alone decides, the next tick reads them again */
    }
    for (const slot of this.slots.values()) {
      this.safe(slot.cfg.id, () => {
        const run = slot.run;
        if (run && !run.ended) this.watchRun(slot, run, now, beats.get(run.id) ?? null);
        for (const sch of slot.schedules) {
          if (now >= sch.next) {
            const d = scheduleDue(sch.s, R.scheduleLastFired(this.db, slot.cfg.id, sch.key), now);
            if (d.fire) this.fireSchedule(slot, sch.s, sch.key, d.slot, d.missed);
            sch.next = nextSlot(sch.s, now);
          }
        }
      });
    }
    if (this.ticks % SWEEP_TICKS === 0) this.safe('open runs', () => this.sweep());
  }

  /**
   * Closes runs left open in the database that no slot holds and whose process is gone
   * (an end that could not be recorded, for whatever reason): no run stays "running"
   * with a dead pid.
   */
  private sweep(): void {
    const mine = new Set<string>();
    for (const s of this.slots.values()) if (s.run) mine.add(s.run.id);
    for (const row of R.openRuns(this.db)) {
      if (mine.has(row.id) || this.writes.has(`end:${row.id}`) || isSameProcess(row.pid, row.pid_start, row.boot_id)) continue;
      const outcome = row.reported_outcome ?? 'failed';
      this.closeRun(row, { code: null, signal: null, spawnError: null }, outcome, 'its process is gone and its end was never recorded: exit status not observable', outcome === 'failed' ? 'unknown' : null);
    }
  }

  private watchRun(slot: Slot, run: Run, now: number, hbAt: number | null): void {
    if (run.adopted && !isSameProcess(run.pid, run.pidStart)) {
      this.onExit(slot, run, { code: null, signal: null, spawnError: null }, run.stopping === null);
      return;
    }
    let size = run.lastSize;
    try {
      size = statSync(run.logPath).size;
    } catch {
      /* not there yet */
    }
    if (size !== run.lastSize) {
      run.lastOutputAt = now;
      run.lastSize = size;
      if (size > LOG_MAX_BYTES && rotateIfLarge(run.logPath)) run.lastSize = 0;
    }
    if (run.pid && (this.ticks % 5 === 0 || run.peakKb === 0)) {
      const kb = peakRssKb(run.pid);
      if (kb) run.peakKb = Math.max(run.peakKb, kb);
    }
    // Heartbeats are stamped with the wall clock; the run's times with the supervisor's.
    const hb = hbAt ? hbAt + (now - Date.now()) : 0;
    const quietFor = now - Math.max(run.lastOutputAt, hb, run.startedAt);
    const a = slot.cfg;
    if (!run.stalled && quietFor >= a.stallAfterMs && run.stopping === null) {
      run.stalled = true;
      slot.state = 'stalled';
      this.persist(slot);
      this.emit({ event: 'stall', at: iso(now)!, agent: a.id, run: run.id, silent_s: Math.round(quietFor / 1000), action: a.onStall });
      this.emitState(slot, `no output or heartbeat for ${Math.round(quietFor / 1000)} s`);
      this.audit('agent_stalled', { agent: a.id, run: run.id, silent_s: Math.round(quietFor / 1000), action: a.onStall });
      if (a.onStall === 'kill' || a.onStall === 'restart') this.stopQuietly(slot, 'stalled');
      return;
    }
    if (run.stalled && quietFor < a.stallAfterMs) {
      run.stalled = false;
      run.idle = false;
      slot.state = 'running';
      this.persist(slot);
      this.emitState(slot, 'output resumed');
      return;
    }
    const idleAfter = Math.min(60_000, a.stallAfterMs / 2);
    const idle = !run.stalled && quietFor >= idleAfter;
    if (idle !== run.idle && !run.stalled) {
      run.idle = idle;
      slot.state = idle ? 'idle' : 'running';
      this.persist(slot);
      this.emitState(slot, idle ? 'no output for a while' : 'output resumed');
    }
  }

  /** The supervisor's heartbeat for each live agent, and the renewal of their leases. */
  private heartbeats(): void {
    const live = [...this.slots.values()].filter((s) => s.run && !s.run.ended).map((s) => ({ agent: s.cfg.id, run: s.run!.id }));
    if (!live.length) return;
    const sec = Math.floor(Date.now() / 1000);
    this.writes.write(
      'heartbeats',
      () =>
        writeTx(this.db, () => {
          for (const l of live) {
            recordHeartbeat(this.db, l.agent, sec);
            renewAgentLeases(this.db, l.agent, l.run, sec);
          }
        }),
      'heartbeats',
    );
  }

  private heartbeatOne(slot: Slot): void {
    const sec = Math.floor(Date.now() / 1000);
    this.writes.write(`the heartbeat of ${slot.cfg.id}`, () => recordHeartbeat(this.db, slot.cfg.id, sec), `hb:${slot.cfg.id}`);
  }

  private checkpoint(): void {
    try {
      checkpointWal(this.db);
      R.pruneWakes(this.db, Date.now() - 7 * 86_400_000);
      // Our own log (agor up -d): stdout is O_APPEND, so truncation in place is safe.
      if (this.o.logPath) rotateIfLarge(this.o.logPath);
    } catch (err) {
      this.o.log(`checkpoint: ${(err as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- state and events

  private attention(slot: Slot): { score: number; reason: string | null } {
    try {
      const ctx = slot.run ? (R.getRun(this.db, slot.run.id)?.context_usage ?? null) : null;
      const review = ['reviewer', 'manager'].includes(slot.cfg.role) ? this.wakeContext(slot.cfg.id).review : 0;
      slot.lastAttention = attentionScore({ stalled: slot.state === 'stalled', error: slot.state === 'failed' || slot.health === 'failed', contextUsage: ctx, reviewQueue: review });
    } catch {
      /* unreadable for now: the last score stands */
    }
    return slot.lastAttention;
  }

  /** Saves the slot's state as it is now; a newer save replaces one still waiting. */
  private persist(slot: Slot): void {
    const att = this.attention(slot);
    const row: R.AgentStateRow = {
      agent: slot.cfg.id,
      mode: slot.cfg.mode,
      state: slot.state,
      health: slot.health,
      run_id: slot.run?.id ?? null,
      pid: slot.run?.pid ?? null,
      restarts: slot.restarts,
      attempts: slot.attempts,
      last_output_at: slot.run?.lastOutputAt ?? null,
      next_start_at: slot.nextStartAt,
      attention: att.score,
      attention_reason: att.reason,
      updated_at: this.now(),
      enabled: slot.enabled ? 1 : 0,
    };
    this.writes.write(`the state of ${slot.cfg.id}`, () => R.putAgentState(this.db, row), `state:${slot.cfg.id}`);
  }

  private emitState(slot: Slot, reason?: string): void {
    this.emit({ event: 'state', at: iso(this.now())!, agent: slot.cfg.id, state: slot.state, health: slot.health, pid: slot.run?.pid ?? null, ...(reason ? { reason } : {}) });
  }

  private emit(ev: Event): void {
    this.o.log(formatEvent(ev));
    this.o.events?.(ev);
    this.server?.broadcast(ev);
  }

  // ---------------------------------------------------------------- requests

  /** The agents as `agor ps` shows them. */
  list(): AgentView[] {
    const { unread, claimed, pending, beats } = this.counts();
    const now = this.now();
    return [...this.slots.values()].map((s) => {
      const hb = s.run ? beats.get(s.run.id) : null;
      return agentView(
        {
          id: s.cfg.id,
          name: s.cfg.name,
          role: s.cfg.role,
          mode: s.cfg.mode,
          strategy: s.cfg.wake.strategy,
          state: s.state,
          health: s.health,
          // Heartbeats are stamped with the wall clock; the other times are the supervisor's.
          run: s.run ? { id: s.run.id, pid: s.run.pid, startedAt: s.run.startedAt, lastOutputAt: s.run.lastOutputAt, heartbeatAt: hb ? hb + now - Date.now() : null } : null,
          restarts: s.restarts,
          attempts: s.attempts,
          nextStartAt: s.nextStartAt,
          pendingWakes: pending.get(s.cfg.id) ?? 0,
          unread: unread.get(s.cfg.id) ?? 0,
          claimed: claimed.get(s.cfg.id) ?? 0,
          attention: this.attention(s),
          supervised: true,
          stallAfterMs: s.cfg.stallAfterMs,
          lastRun: lastRunFields(this.db, s.cfg.id),
        },
        now,
      );
    });
  }

  /** Unread, claimed and pending counts; the last ones read when the database cannot be read now. */
  private counts(): Supervisor['lastCounts'] {
    try {
      this.lastCounts = {
        unread: new Map([...this.slots.keys()].map((id) => [id, unreadCount(this.db, id)])),
        claimed: activeLeaseCounts(this.db),
        pending: new Map(R.pendingWakeCounts(this.db).map((p) => [p.agent, p.n])),
        beats: new Map(R.openRunHeartbeats(this.db).map((r) => [r.id, r.heartbeat_at])),
      };
    } catch {
      /* answer from memory */
    }
    return this.lastCounts;
  }

  private slotsOf(req: Request): Slot[] {
    const names = req.agents;
    if (!Array.isArray(names) || !names.length || names.some((n) => typeof n !== 'string')) throw usage('give agent ids in "agents": ["id", ...]');
    const unknown = (names as string[]).filter((n) => !this.slots.has(n));
    if (unknown.length) throw notFound(`no agent ${unknown.map((u) => `'${u}'`).join(', ')} in ${this.o.config.file}`, `agents: ${[...this.slots.keys()].join(', ')}`);
    return (names as string[]).map((n) => this.slots.get(n)!);
  }

  private async handle(req: Request, conn: Socket): Promise<unknown> {
    if (this.shuttingDown && req.op !== 'list' && req.op !== 'hello') throw conflict('the supervisor is shutting down');
    switch (req.op) {
      case 'hello':
        return { protocol: 1, pid: this.pid, group: this.o.config.group, config: this.o.config.file, db: this.o.dbPath };
      case 'list':
        return this.list();
      case 'start': {
        const slots = this.slotsOf(req);
        for (const s of slots) {
          s.enabled = true;
          if (s.state === 'failed') (s.state = s.cfg.mode === 'service' ? 'inactive' : 'dormant'), (s.health = 'healthy'), (s.attempts = 0);
          this.persist(s);
          if (s.run || s.timer) continue;
          this.audit('agent_start', { agent: s.cfg.id });
          if (s.cfg.mode === 'service') this.startRun(s, 'start', null);
          else this.deliverManual(s, 'agor start');
        }
        return this.list().filter((v) => slots.some((s) => s.cfg.id === v.id));
      }
      case 'stop': {
        const slots = this.slotsOf(req);
        await Promise.all(
          slots.map((s) => {
            s.enabled = false;
            if (s.timer) (clearTimeout(s.timer), (s.timer = null), (s.nextStartAt = null));
            this.startQueue = this.startQueue.filter((q) => q !== s.cfg.id);
            s.queued = false;
            this.audit('agent_stop', { agent: s.cfg.id });
            // Saved now, so a supervisor killed during the stop still knows it was asked.
            this.persist(s);
            if (!s.run) {
              if (s.state !== 'failed') s.state = 'inactive';
              this.persist(s);
              this.emitState(s, 'stopped');
              return Promise.resolve();
            }
            return this.stopRun(s, 'stop');
          }),
        );
        return this.list().filter((v) => slots.some((s) => s.cfg.id === v.id));
      }
      case 'restart': {
        const slots = this.slotsOf(req);
        await Promise.all(
          slots.map(async (s) => {
            s.enabled = true;
            this.audit('agent_restart', { agent: s.cfg.id });
            this.persist(s);
            if (s.timer) (clearTimeout(s.timer), (s.timer = null), (s.nextStartAt = null));
            if (s.run) return this.stopRun(s, 'restart');
            s.attempts = 0;
            s.health = 'healthy';
            s.state = s.cfg.mode === 'service' ? 'inactive' : 'dormant';
            if (s.cfg.mode === 'service') this.startRun(s, 'restart', null);
            else this.deliverManual(s, 'agor restart');
          }),
        );
        return this.list().filter((v) => slots.some((s) => s.cfg.id === v.id));
      }
      case 'wake': {
        const agent = typeof req.agent === 'string' ? req.agent : '';
        if (!this.slots.has(agent)) throw notFound(`no agent '${agent}' in ${this.o.config.file}`);
        const wake = {
          agent,
          reason: typeof req.reason === 'string' ? req.reason : null,
          prompt: typeof req.prompt === 'string' ? req.prompt : null,
          timeoutMs: wakeTimeout(req.timeout_ms),
        };
        let w!: R.WakeRow;
        // The socket is 0600: whoever is on it is the operator.
        await this.patientWrite(`a wake of ${agent}`, () => {
          w = requestWake(this.db, 'admin', wake);
        }, 30_000);
        this.checkWakes();
        return w;
      }
      case 'logs':
        return this.logs(req, conn);
      case 'subscribe':
        this.server?.subscribe(conn);
        return { subscribed: true };
      case 'unsubscribe':
        this.server?.unsubscribe(conn);
        this.dropFollower(conn);
        return { subscribed: false };
      case 'shutdown':
        await this.shutdown('agor down');
        return { stopped: true };
      default:
        throw usage(`unknown op '${String((req as { op?: unknown }).op)}'`);
    }
  }

  private logs(req: Request, conn: Socket): unknown {
    const agent = typeof req.agent === 'string' ? req.agent : '';
    const slot = this.slots.get(agent);
    if (!slot && !getAgent(this.db, agent)) throw notFound(`no agent '${agent}'`);
    const n = typeof req.lines === 'number' && req.lines >= 0 ? Math.min(req.lines, 100_000) : 50;
    let run: R.RunRow | undefined;
    if (typeof req.run === 'string' && req.run) {
      const ids = R.runIdsByPrefix(this.db, req.run).filter((id) => R.getRun(this.db, id)?.agent === agent);
      if (ids.length !== 1) throw ids.length ? usage(`run prefix '${req.run}' is ambiguous`) : notFound(`no run '${req.run}' of ${agent}`);
      run = R.getRun(this.db, ids[0]!);
    } else run = R.latestRun(this.db, agent);
    const path = run?.log_path ?? null;
    let end = 0;
    try {
      end = path ? statSync(path).size : 0;
    } catch {
      /* none yet */
    }
    if (req.follow === true && !conn.destroyed) {
      this.followers.add({ conn, agent, fixedRun: typeof req.run === 'string' && req.run ? run?.id ?? null : null, runId: run?.id ?? null, path, offset: end });
      this.followTimer ??= setInterval(() => this.pumpFollowers(), FOLLOW_MS);
    }
    // The lines up to `end`, read from the file by the socket as the client reads them.
    return new FileLines({ agent, run: run?.id ?? null, path }, path, n, end);
  }

  private pumpFollowers(): void {
    for (const f of this.followers) {
      if (f.conn.destroyed) {
        this.followers.delete(f);
        continue;
      }
      const slot = this.slots.get(f.agent);
      if (!f.fixedRun && slot?.run && slot.run.id !== f.runId) {
        if (f.path) this.pushLog(f, readFrom(f.path, f.offset).text);
        f.runId = slot.run.id;
        f.path = slot.run.logPath;
        f.offset = 0;
      }
      if (!f.path) continue;
      const r = readFrom(f.path, f.offset);
      f.offset = r.offset;
      this.pushLog(f, r.text);
    }
    if (!this.followers.size && this.followTimer) (clearInterval(this.followTimer), (this.followTimer = null));
  }

  /** Followers of an agent (not of one run) move to its new run as it starts. */
  private switchFollowers(agent: string, run: Run): void {
    for (const f of this.followers) {
      if (f.agent !== agent || f.fixedRun) continue;
      if (f.path && f.runId !== run.id) this.pushLog(f, readFrom(f.path, f.offset).text);
      f.runId = run.id;
      f.path = run.logPath;
      f.offset = 0;
    }
  }

  /** Sends followers of a run what it wrote before it ended, short runs included. */
  private flushFollowers(run: Run): void {
    for (const f of this.followers) {
      if (f.runId !== run.id || !f.path) continue;
      const r = readFrom(f.path, f.offset, 1024 * 1024, true);
      f.offset = r.offset;
      this.pushLog(f, r.text);
    }
  }

  private pushLog(f: { conn: Socket; agent: string; runId: string | null }, text: string): void {
    if (!text || !f.runId) return;
    this.server?.send(f.conn, { event: 'log', at: iso(this.now())!, agent: f.agent, run: f.runId, text });
  }

  private dropFollower(conn: Socket): void {
    for (const f of this.followers) if (f.conn === conn) this.followers.delete(f);
  }

  // ---------------------------------------------------------------- shutdown

  /** Stops every agent (SIGTERM, SIGKILL after each one's grace), then exits. */
  shutdown(why: string): Promise<void> {
    // Every step is bounded and none can throw past the end: SIGTERM always ends the supervisor.
    this.shuttingDown ??= (async () => {
      try {
        this.o.log(`stopping (${why})`);
        this.emit({ event: 'supervisor', at: iso(Date.now())!, status: 'stopping', pid: this.pid });
        for (const i of this.intervals) clearInterval(i);
        this.stopWatch?.();
        for (const s of this.slots.values()) if (s.timer) (clearTimeout(s.timer), (s.timer = null));
        this.startQueue = [];
        const stops = await Promise.allSettled([...this.slots.values()].map((s) => this.stopRun(s, 'down')));
        for (const r of stops) if (r.status === 'rejected') this.o.log(String((r.reason as Error)?.message ?? r.reason));
        for (const s of this.slots.values()) {
          s.nextStartAt = null;
          if (s.state !== 'failed') s.state = s.cfg.mode === 'service' ? 'inactive' : 'dormant';
          this.persist(s);
        }
        this.audit('supervisor_stopped', { pid: this.pid, why });
        if (!(await this.writes.drain(SHUTDOWN_WRITE_MS))) {
          this.o.log(`database busy: ${this.writes.size} write(s) not recorded before exit; the next supervisor closes the runs left open`);
        }
        this.writes.close();
        this.checkpoint();
        await this.patientWrite('the release of the supervisor lock', () => R.clearSupervisor(this.db, this.pid), 2000).catch(() => this.release());
      } catch (err) {
        this.o.log(`while stopping: ${(err as Error)?.stack ?? String(err)}`);
      } finally {
        if (this.followTimer) clearInterval(this.followTimer);
        // Answer the request that asked for this before the socket goes.
        setTimeout(() => {
          const close = this.server?.close() ?? Promise.resolve();
          void close.then(() => this.exitResolve(), () => this.exitResolve());
        }, 50);
      }
    })();
    return this.shuttingDown;
  }
}

/** A wake's own wall-clock limit: absent, or from 1 s to 7 days. */
function wakeTimeout(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1000 || v > 7 * 86_400_000) throw usage('timeout_ms must be a whole number of milliseconds from 1000 (1 s) to 604800000 (7 days)');
  return v;
}

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

/** One line of the supervisor's log for an event. */
export function formatEvent(ev: Event): string {
  switch (ev.event) {
    case 'state':
      return `${ev.agent}: ${ev.state} (${ev.health})${ev.reason ? ` — ${ev.reason}` : ''}`;
    case 'run_start':
      return `${ev.agent}: run ${ev.run.slice(0, 8)} ${ev.adopted ? 're-adopted' : 'started'} (pid ${ev.pid ?? '-'}, #${ev.incarnation}, ${ev.wake_reason ?? 'start'})`;
    case 'run_end':
      return `${ev.agent}: run ${ev.run.slice(0, 8)} ended: ${ev.outcome}${ev.exit_code !== null ? `, exit ${ev.exit_code}` : ''}${ev.signal ? `, ${ev.signal}` : ''}${ev.error_class ? `, ${ev.error_class}` : ''}${ev.note ? ` (${ev.note})` : ''}`;
    case 'stall':
      return `${ev.agent}: stalled, silent for ${ev.silent_s} s (on_stall: ${ev.action})`;
    case 'wake':
      return `${ev.agent}: wake #${ev.wake} (${ev.reason}${ev.detail ? `: ${ev.detail}` : ''})`;
    case 'log':
      return `${ev.agent}: ${ev.text}`;
    case 'supervisor':
      return `supervisor ${ev.status} (pid ${ev.pid})`;
  }
}
