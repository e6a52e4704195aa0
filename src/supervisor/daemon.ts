/**
 * The supervisor: one per database. A coordinator that holds the agents' slots, starts and
 * stops the modules that do the work (lock, state, runs, stalls, wakeups, requests, followers),
 * and owns what they share: state saves, events, heartbeats and the periodic checkpoint.
 */
import { recordHeartbeat } from '../db/agents.js';
import { listSecretMeta } from '../db/secrets.js';
import { audit } from '../db/audit.js';
import { isBusy } from '../db/errors.js';
import { type Db, setBusyTimeout, writeTx } from '../db/open.js';
import * as R from '../db/runs.js';
import { checkpointWal } from '../db/supervisor.js';
import { renewAgentLeases } from '../db/tasks.js';
import { watchDb } from '../db/watch.js';
import { conflict } from '../core/errors.js';
import { ADMIN } from '../core/roles.js';
import { adoptRuns, sweepOpenRuns } from './adopt.js';
import { restoreWorkdirs } from './worktree-prep.js';
import { MergeOnDone } from './merge-on-done.js';
import { Containment, runCgroupName } from './contain.js';
import { Conflicts } from './conflicts.js';
import { type Ctx, type DaemonOptions, type Slot, iso, newSlot, restState } from './context.js';
import { FleetList } from './fleet.js';
import { Followers } from './followers.js';
import { Budgets } from './budgets.js';
import { pruneSpend } from '../db/budgets.js';
import { HookSources } from './hook-sources.js';
import { Hooks } from './hooks.js';
import { Notifier } from './notify.js';
import { RunScrubbers } from './scrubbing.js';
import { acquireLock, registerGroup, releaseLock } from './lock.js';
import { LogIndexer, indexScrubber } from './logindex.js';
import { rotateIfLarge } from './logs.js';
import { type AgentView, type Event, formatEvent } from './protocol.js';
import { type ReloadResult, Reloader } from './reload.js';
import { Requests } from './requests.js';
import { Secrets } from './secrets.js';
import { SupervisorSpans } from './spans.js';
import { NO_STATUS, Runs } from './runs.js';
import { type ControlServer, startControlServer } from './socket.js';
import { attentionOf, restoreState, stateRow } from './state.js';
import { watchRun } from './stalls.js';
import { Wakeups } from './wakeups.js';
import { WriteQueue } from './writes.js';

const TICK_MS = 1000;
const HEARTBEAT_MS = 60_000;
const CHECKPOINT_MS = 5 * 60_000;
const SCORER_MS = 60_000;
/** Consumed wakes are kept this long, then pruned at a checkpoint. */
const WAKES_KEPT_MS = 7 * 86_400_000;
/**
 * The supervisor's own wait for the write lock. The database driver blocks the process while it
 * waits, so a long wait would freeze the control socket and every timer; a write refused
 * after this long is retried from the event loop instead (WriteQueue).
 */
const SUPERVISOR_BUSY_MS = 250;
/** How long start-up and requests keep retrying their writes (lock row, registration, a wake) on a busy file. */
const PATIENT_WRITE_MS = 60_000;
/** How long shutdown keeps retrying the writes still waiting. */
const SHUTDOWN_WRITE_MS = 10_000;
/** How long shutdown waits for hooks still running (say, the run_end hooks of the runs it stopped). */
const HOOKS_AT_EXIT_MS = 3000;
/** The spending ledger keeps what a month's budget and the month before it can need. */
const SPEND_KEPT_MS = 93 * 86_400_000;
/** How long start-up waits for git's first view of the agents' trees. */
const CONFLICT_BASELINE_MS = 2000;
/** Every this many ticks, runs left open with no process are closed. */
const SWEEP_TICKS = 10;
/** Every this many ticks, a live run's peak memory is sampled. */
const RSS_TICKS = 5;

/** The supervisor: one per database, holding the lock row and the control socket. */
export class Supervisor {
  private readonly db: Db;
  private readonly o: DaemonOptions;
  private readonly slots = new Map<string, Slot>();
  private readonly ctx: Ctx;
  private readonly runs: Runs;
  private readonly wakeups: Wakeups;
  private readonly followers: Followers;
  private readonly requests: Requests;
  private readonly fleet: FleetList;
  private readonly spans: SupervisorSpans;
  private readonly hooks: Hooks;
  private readonly hookSources: HookSources;
  private readonly logIndex: LogIndexer;
  private readonly reloader: Reloader;
  private readonly notifier: Notifier;
  private readonly budgets: Budgets;
  private readonly mergeOnDone: MergeOnDone;
  private readonly conflicts: Conflicts;
  private server: ControlServer | null = null;
  private intervals: NodeJS.Timeout[] = [];
  private stopWatch: (() => void) | null = null;
  private shuttingDown: Promise<void> | null = null;
  private ticks = 0;
  private ready = false;
  private readonly pid = process.pid;
  private readonly writes: WriteQueue;
  private lastReadError = 0;
  private exitResolve!: () => void;
  /** Resolves once the supervisor has shut down. */
  readonly exited = new Promise<void>((r) => (this.exitResolve = r));

  constructor(o: DaemonOptions) {
    this.o = o;
    this.db = o.db;
    this.writes = new WriteQueue({ log: (l) => o.log(l), drained: () => this.safe('wakes', () => this.wakeups.check()) });
    for (const cfg of o.config.agents) this.slots.set(cfg.id, newSlot(cfg));
    // The values each run was handed (the keyring's, held by ctx.secrets) unless the caller says otherwise.
    const secretsOf = o.secretsOf ?? ((runId: string) => this.ctx.secretsOf(runId));
    const scrubbers = new RunScrubbers(secretsOf);
    this.ctx = {
      db: this.db,
      o,
      slots: this.slots,
      writes: this.writes,
      contain: new Containment({ dbPath: o.dbPath, dataDir: o.dataDir }),
      // Which items are agor's own (category system) is in the database's metadata.
      secrets: new Secrets(o.config.group, (ref) =>
        listSecretMeta(this.db, ref.group).some((r) => r.agent === ref.agent && r.name === ref.name && r.category === 'system'),
      ),
      secretsOf: (runId) => this.ctx.secrets.of(runId, () => this.agentOfRun(runId)),
      startQueue: [],
      shuttingDown: () => this.shuttingDown !== null,
      now: () => this.now(),
      emit: (ev) => this.emit(ev),
      emitState: (slot, reason) => this.emitState(slot, reason),
      persist: (slot) => this.persist(slot),
      audit: (event, detail) => void this.writes.write(`audit ${event}`, () => audit(this.db, ADMIN, event, detail)),
      safe: (where, fn) => this.safe(where, fn),
      patientWrite: (what, fn, ms) => this.patientWrite(what, fn, ms),
      scrub: (runId) => scrubbers.forRun(runId),
    };
    this.logIndex = new LogIndexer({ db: this.db, scrub: (id) => indexScrubber(this.db, id, secretsOf, (r) => scrubbers.forRun(r)), log: (l) => o.log(l) });
    this.spans = new SupervisorSpans(this.db, (agent) => this.slots.get(agent)?.cfg.sandbox.mode ?? 'unknown');
    this.followers = new Followers(
      (conn, ev) => this.server?.send(conn, ev),
      (agent) => this.slots.get(agent)?.run ?? null,
      () => this.now(),
      (runId) => scrubbers.forRun(runId),
    );
    this.hooks = new Hooks({ config: o.config, dbPath: o.dbPath, dataDir: o.dataDir, log: o.log, audit: this.ctx.audit });
    this.hookSources = new HookSources(this.db, this.hooks, o.log);
    this.notifier = new Notifier({
      db: this.db,
      config: o.config.notify,
      log: o.log,
      emit: (ev) => this.emit(ev),
      now: () => this.now(),
      scrub: (runId) => scrubbers.forRun(runId),
    });
    this.mergeOnDone = new MergeOnDone(this.ctx);
    this.wakeups = new Wakeups(this.ctx, (slot) => this.runs.start(slot, 'wake', null));
    this.conflicts = new Conflicts(this.ctx);
    this.runs = new Runs(this.ctx, {
      started: (agent, run) => (this.followers.switchTo(agent, run), this.conflicts.runStarted(agent, run)),
      ending: (run) => (this.followers.flush(run), this.conflicts.runEnded(run)),
      checkWakes: () => this.wakeups.check(),
      deliverManual: (slot, why) => this.wakeups.deliverManual(slot, why),
      held: (slot) => this.budgets.holds(slot),
    });
    this.budgets = new Budgets(this.ctx, {
      stop: (slot) => this.runs.stopQuietly(slot, 'budget'),
      start: (slot) => this.runs.start(slot, 'start', 0),
      checkWakes: () => this.wakeups.check(),
    });
    this.fleet = new FleetList(this.ctx);
    this.requests = new Requests(this.ctx, {
      runs: this.runs,
      wakeups: this.wakeups,
      followers: this.followers,
      server: () => this.server,
      list: () => this.list(),
      shutdown: (why) => this.shutdown(why),
      reload: (dryRun) => this.reload('agor reload', dryRun),
    });
    this.reloader = new Reloader(this.ctx, {
      runs: this.runs,
      wakeups: this.wakeups,
      configure: (config) => {
        this.hooks.setConfig(config);
        this.notifier.reconfigure(config.notify);
      },
    });
  }

  /** Re-reads agor.yaml and applies what changed (`agor reload`, SIGHUP); a bad file changes nothing. */
  reload(by: string, dryRun = false): Promise<ReloadResult> {
    // The socket serves before start-up has planned schedules and re-adopted runs: a reload waits for that.
    if (!this.ready) return Promise.reject(conflict('the supervisor is still starting', 'try again once agor ps answers'));
    return this.reloader.reload(dryRun, by);
  }

  private now(): number {
    return this.o.clock.now();
  }

  /** What a crashed supervisor's runs left in their cgroups goes; the re-adopted runs keep theirs. */
  private async sweepCgroups(): Promise<void> {
    const keep: string[] = [];
    for (const slot of this.slots.values()) if (slot.run) keep.push(runCgroupName(slot.cfg.id, slot.run.id));
    await this.ctx.contain.sweep(keep).catch((err) => this.o.log(`cgroups: ${(err as Error).message}`));
  }

  /** Takes the lock, registers the group, re-adopts live runs, serves the socket. */
  async start(): Promise<void> {
    const { o } = this;
    setBusyTimeout(this.db, SUPERVISOR_BUSY_MS);
    await this.patientWrite('the supervisor lock', () =>
      acquireLock(this.db, { pid: this.pid, dbPath: o.dbPath, socketPath: o.socketPath, logPath: o.logPath, config: o.config }),
    );
    try {
      await this.patientWrite('the agents of the group', () => registerGroup(this.db, o.config, this.pid));
      restoreState(this.db, this.slots, (line) => o.log(line));
      restoreWorkdirs(this.ctx);
      await this.ctx.secrets.load(o.config.agents);
      this.server = await startControlServer(o.socketPath, {
        request: (req, conn) => this.spans.request(req, () => this.requests.handle(req, conn)),
        closed: (conn) => this.followers.drop(conn),
        log: (line) => o.log(line),
      });
      await this.conflicts.baseline(CONFLICT_BASELINE_MS);
      adoptRuns(this.ctx, this.runs);
      this.logIndex.start();
      await this.sweepCgroups();
      this.wakeups.init();
      this.safe('budgets', () => this.budgets.check());
      await this.patientWrite("the hooks' cursors", () => this.hookSources.init());
      this.safe('notifications', () => this.notifier.start());
      for (const slot of this.slots.values()) {
        if (slot.run) continue;
        if (slot.cfg.mode === 'service' && slot.enabled && slot.state !== 'failed') this.runs.start(slot, 'start', 0);
        else this.persist(slot);
      }
      this.safe('wakes', () => this.wakeups.check());
      this.intervals.push(
        setInterval(() => this.safe('tick', () => this.tick()), TICK_MS),
        setInterval(() => this.safe('heartbeats', () => this.heartbeats()), HEARTBEAT_MS),
        setInterval(() => this.checkpoint(), CHECKPOINT_MS),
        setInterval(() => this.safe('wake scorer', () => this.wakeups.runScorer()), SCORER_MS),
      );
      this.stopWatch = watchDb(
        o.dbPath,
        () => {
          this.safe('budgets', () => this.budgets.check());
          this.safe('wakes', () => this.wakeups.check());
          this.hookSources.poll();
          this.safe('notifications', () => this.notifier.poll());
          this.mergeOnDone.poll();
        },
        { debounceMs: 20, safetyPollMs: 2000 },
      );
      this.hookSources.poll();
      this.heartbeats();
      await this.patientWrite('readiness', () => R.setSupervisorReady(this.db, this.pid));
      this.ready = true;
      this.emit({ event: 'supervisor', at: iso(Date.now())!, status: 'ready', pid: this.pid });
    } catch (err) {
      this.writes.close();
      releaseLock(this.db, this.pid);
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
        if (!told) ((told = true), this.o.log(`database busy: waiting to record ${what}`));
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
        if (Date.now() - this.lastReadError > 10_000) ((this.lastReadError = Date.now()), this.o.log(`${where}: database busy, will try again`));
      } else this.o.log(`${where}: ${(err as Error)?.stack ?? String(err)}`);
    }
  }

  /** The agent of run `runId`, as agor.yaml declares it now; undefined for a run of an agent no longer there. */
  private agentOfRun(runId: string) {
    for (const s of this.slots.values()) if (s.run?.id === runId) return s.cfg;
    const row = R.getRun(this.db, runId);
    return row ? this.slots.get(row.agent)?.cfg : undefined;
  }

  /** Each second: watch every live run, fire due schedules, and now and then sweep runs left open. */
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
    const hooks = {
      gone: (slot: Slot, run: NonNullable<Slot['run']>) => this.runs.onExit(slot, run, NO_STATUS, run.stopping === null),
      stop: (slot: Slot) => this.runs.stopQuietly(slot, 'stalled'),
    };
    for (const slot of this.slots.values()) {
      this.safe(slot.cfg.id, () => {
        const run = slot.run;
        if (run && !run.ended) watchRun(this.ctx, slot, run, now, beats.get(run.id) ?? null, this.ticks % RSS_TICKS === 0, hooks);
        this.wakeups.tickSchedules(slot, now);
      });
    }
    if (this.ticks % SWEEP_TICKS === 0) this.safe('open runs', () => sweepOpenRuns(this.ctx, this.runs));
    this.safe('approval spans', () => this.spans.pollApprovals());
    this.safe('budgets', () => this.budgets.check());
    this.safe('conflicts', () => this.conflicts.tick());
    this.hookSources.poll();
    this.safe('notifications', () => this.notifier.poll());
    this.mergeOnDone.poll();
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

  private checkpoint(): void {
    try {
      checkpointWal(this.db);
      R.pruneWakes(this.db, Date.now() - WAKES_KEPT_MS);
      pruneSpend(this.db, this.now() - SPEND_KEPT_MS);
      // Our own log (agor up -d): stdout is O_APPEND, so truncation in place is safe.
      if (this.o.logPath) rotateIfLarge(this.o.logPath);
    } catch (err) {
      this.o.log(`checkpoint: ${(err as Error).message}`);
    }
  }

  /** Saves the slot's state as it is now; a newer save replaces one still waiting. */
  private persist(slot: Slot): void {
    const row = stateRow(slot, attentionOf(this.db, slot), this.now());
    this.writes.write(`the state of ${slot.cfg.id}`, () => R.putAgentState(this.db, row), `state:${slot.cfg.id}`);
  }

  private emitState(slot: Slot, reason?: string): void {
    this.emit({
      event: 'state',
      at: iso(this.now())!,
      agent: slot.cfg.id,
      state: slot.state,
      health: slot.health,
      pid: slot.run?.pid ?? null,
      ...(reason ? { reason } : {}),
    });
  }

  private emit(ev: Event): void {
    this.o.log(formatEvent(ev));
    this.o.events?.(ev);
    this.server?.broadcast(ev);
    this.spans.event(ev);
    this.hookSources.onEvent(ev);
    if (ev.event === 'run_end') this.logIndex.ended(ev.run);
    this.notifier.onEvent(ev);
  }

  /** The agents as `agor ps` shows them. */
  list(): AgentView[] {
    return this.fleet.list();
  }

  /** Stops every agent (SIGTERM, SIGKILL after each one's grace), then exits. */
  shutdown(why: string): Promise<void> {
    // Every step is bounded and none can throw past the end: SIGTERM always ends the supervisor.
    this.shuttingDown ??= (async () => {
      try {
        this.o.log(`stopping (${why})`);
        this.emit({ event: 'supervisor', at: iso(Date.now())!, status: 'stopping', pid: this.pid });
        for (const i of this.intervals) clearInterval(i);
        this.notifier.stop();
        this.conflicts.stop();
        this.stopWatch?.();
        for (const s of this.slots.values()) if (s.timer) (clearTimeout(s.timer), (s.timer = null));
        this.ctx.startQueue = [];
        this.logIndex.stop();
        const stops = await Promise.allSettled([...this.slots.values()].map((s) => this.runs.stop(s, 'down')));
        for (const r of stops) if (r.status === 'rejected') this.o.log(String((r.reason as Error)?.message ?? r.reason));
        await this.hooks.stop(HOOKS_AT_EXIT_MS);
        this.safe('hooks', () => this.hookSources.flush());
        // Every run has ended and left its cgroup: the database's own cgroups go too.
        await this.ctx.contain.sweep([]).catch((err) => this.o.log(`cgroups: ${(err as Error).message}`));
        for (const s of this.slots.values()) {
          s.nextStartAt = null;
          if (s.state !== 'failed') s.state = restState(s);
          this.persist(s);
        }
        this.ctx.audit('supervisor_stopped', { pid: this.pid, why });
        if (!(await this.writes.drain(SHUTDOWN_WRITE_MS))) {
          this.o.log(`database busy: ${this.writes.size} write(s) not recorded before exit; the next supervisor closes the runs left open`);
        }
        this.writes.close();
        this.checkpoint();
        await this.patientWrite('the release of the supervisor lock', () => R.clearSupervisor(this.db, this.pid), 2000).catch(() => releaseLock(this.db, this.pid));
      } catch (err) {
        this.o.log(`while stopping: ${(err as Error)?.stack ?? String(err)}`);
      } finally {
        this.spans.close();
        this.followers.stop();
        // Answer the request that asked for this before the socket goes.
        setTimeout(() => {
          const close = this.server?.close() ?? Promise.resolve();
          void close.then(
            () => this.exitResolve(),
            () => this.exitResolve(),
          );
        }, 50);
      }
    })();
    return this.shuttingDown;
  }
}
