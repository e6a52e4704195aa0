/**
 * The event hooks' dispatcher: matches an event to the hooks agor.yaml gives it (the group's,
 * then the agent's own), and runs each one as its own process group with the event as JSON on
 * stdin, its output appended to the group's hook log, and a timeout. Never waits on a hook:
 * at most MAX_IN_FLIGHT run at once, the rest queue (bounded; beyond it they are dropped and
 * counted). Failures are audited; successes only counted.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GroupConfig } from './config.js';
import type { HookEvent, HookSpec } from './hooks-config.js';
import { rotateIfLarge } from './logs.js';
import { WITHHELD_ENV, spawnAgent } from './spawn.js';
import { tracer } from './trace.js';

export const MAX_IN_FLIGHT = 8;
export const MAX_QUEUED = 256;
/** After SIGTERM at its timeout, a hook's group gets this long before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** One event for the hooks: its payload (stdin JSON) and the variables it sets. */
export interface HookEventIn {
  event: HookEvent;
  /** The agent it is about, whose own hooks run too; null: the group's only. */
  agent: string | null;
  /** run_end: the outcome; task_status: the new status (for the hooks' filters). */
  outcome?: string;
  status?: string;
  payload: Record<string, unknown>;
  env: Record<string, string>;
}

export interface HookCounts {
  ran: number;
  failed: number;
  dropped: number;
  inFlight: number;
  queued: number;
}

export interface HooksOptions {
  config: GroupConfig;
  dbPath: string;
  dataDir: string;
  log: (line: string) => void;
  audit: (event: string, detail: Record<string, unknown>) => void;
}

interface Job {
  spec: HookSpec;
  ev: HookEventIn;
  started: () => void;
}

/** The hook log of a group: <data dir>/hooks/<group>.log. */
export const hookLogPath = (dataDir: string, group: string): string => join(dataDir, 'hooks', `${group}.log`);

/** The hooks' dispatcher of one supervisor. */
export class Hooks {
  private readonly o: HooksOptions;
  private readonly byAgent = new Map<string, HookSpec[]>();
  private readonly queue: Job[] = [];
  private readonly live = new Map<number, NodeJS.Timeout[]>();
  private inFlight = 0;
  private readonly counts = { ran: 0, failed: 0, dropped: 0 };
  private readonly baseEnv: Record<string, string>;
  private idle: (() => void) | null = null;
  private halted = false;

  constructor(o: HooksOptions) {
    this.o = o;
    this.setConfig(o.config);
    // The supervisor's environment, less what leads to the keyring and agor's own variables.
    this.baseEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined || k.startsWith('AGOR_') || k === 'BTMSG_AGENT_ID' || WITHHELD_ENV.includes(k)) continue;
      this.baseEnv[k] = v;
    }
  }

  /** The hooks of `config` from now on (a reload); hooks already running finish as they were. */
  setConfig(config: GroupConfig): void {
    this.o.config = config;
    this.byAgent.clear();
    for (const a of config.agents) if (a.hooks.length) this.byAgent.set(a.id, a.hooks);
  }

  /** True when some hook (the group's or an agent's) runs on `event`. */
  wants(event: HookEvent): boolean {
    return this.o.config.hooks.some((h) => h.event === event) || [...this.byAgent.values()].some((hs) => hs.some((h) => h.event === event));
  }

  /** The hooks that run for `ev`. */
  private match(ev: HookEventIn): HookSpec[] {
    const all = [...this.o.config.hooks, ...(ev.agent ? (this.byAgent.get(ev.agent) ?? []) : [])];
    return all.filter(
      (h) =>
        h.event === ev.event &&
        (!h.outcomes || (ev.outcome !== undefined && h.outcomes.includes(ev.outcome))) &&
        (!h.statuses || (ev.status !== undefined && h.statuses.includes(ev.status))),
    );
  }

  /**
   * Dispatches `ev` to its hooks. The promise resolves once each of them has been started
   * (or failed to start): what a cursor waits for before it moves. `durable` events (read
   * from a table) wait for room instead of being dropped when the queue is full.
   */
  fire(ev: HookEventIn, durable = false): Promise<void> {
    const specs = this.halted ? [] : this.match(ev);
    return Promise.all(
      specs.map(
        (spec) =>
          new Promise<void>((started) => {
            const job = { spec, ev, started };
            if (this.inFlight < MAX_IN_FLIGHT) return this.run(job);
            if (!durable && this.queue.length >= MAX_QUEUED) {
              this.counts.dropped++;
              this.o.audit('hook_dropped', { event: ev.event, command: spec.argv[0], agent: ev.agent, queued: this.queue.length });
              return started();
            }
            this.queue.push(job);
          }),
      ),
    ).then(() => undefined);
  }

  /** True once stop() began: nothing more starts. */
  get stopped(): boolean {
    return this.halted;
  }

  /** How many hooks ran, failed, were dropped, run now and wait. */
  stats(): HookCounts {
    return { ...this.counts, inFlight: this.inFlight, queued: this.queue.length };
  }

  private run(job: Job): void {
    const { spec, ev } = job;
    this.inFlight++;
    const t0 = Date.now();
    const span = tracer().start('hook', { event: ev.event, command: spec.argv[0], agent: ev.agent ?? undefined });
    const env: Record<string, string> = { ...this.baseEnv, AGOR_EVENT: ev.event, AGOR_DB: this.o.dbPath, AGOR_GROUP: this.o.config.group, ...ev.env };
    if (ev.agent) env.AGOR_AGENT = ev.agent;
    const payload = JSON.stringify({ event: ev.event, group: this.o.config.group, agent: ev.agent, ...ev.payload });
    let fd: number;
    try {
      fd = this.openLog(`${new Date(t0).toISOString()} ${ev.event}${ev.agent ? ` ${ev.agent}` : ''}: ${JSON.stringify(spec.argv)}\n`);
    } catch (err) {
      // No log (disk full, permissions): the hook still runs, its output goes nowhere.
      this.o.log(`hook log: ${(err as Error).message}`);
      fd = openSync('/dev/null', 'a');
    }
    const child = spawnAgent({ file: spec.argv[0]!, args: spec.argv.slice(1), cwd: dirname(this.o.config.file), env, stdin: payload + '\n', logFd: fd });
    job.started();
    const timers: NodeJS.Timeout[] = [];
    let timedOut = false;
    if (child.pid !== null) {
      const pid = child.pid;
      this.live.set(pid, timers);
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killGroup(pid, 'SIGTERM');
          timers.push(setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS));
        }, spec.timeoutMs),
      );
    }
    void child.exited.then((st) => {
      // The SIGKILL timer stays armed for what the group left behind after a timeout.
      if (!timedOut) for (const t of timers) clearTimeout(t);
      if (child.pid !== null) this.live.delete(child.pid);
      const ms = Date.now() - t0;
      const failed = st.spawnError !== null || timedOut || st.code !== 0;
      if (failed) {
        this.counts.failed++;
        const detail = { event: ev.event, command: spec.argv[0], agent: ev.agent, exit: st.code, signal: st.signal, timed_out: timedOut, error: st.spawnError };
        this.o.audit('hook_failed', detail);
        this.o.log(
          `hook ${ev.event} ${spec.argv[0]} failed: ${st.spawnError ?? (timedOut ? `timed out after ${spec.timeoutMs} ms` : st.signal ? `killed by ${st.signal}` : `exit ${st.code}`)}`,
        );
      } else this.counts.ran++;
      span.end({
        attrs: { exit: st.code ?? undefined, signal: st.signal ?? undefined, timed_out: timedOut, duration_ms: ms },
        error: failed ? (st.spawnError ?? (timedOut ? 'timed out' : `exit ${st.code ?? st.signal}`)) : undefined,
      });
      this.inFlight--;
      const next = this.queue.shift();
      if (next) this.run(next);
      else if (this.inFlight === 0) this.idle?.();
    });
  }

  private openLog(header: string): number {
    const path = hookLogPath(this.o.dataDir, this.o.config.group);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    rotateIfLarge(path);
    const fd = openSync(path, 'a', 0o600);
    try {
      writeSync(fd, header);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return fd;
  }

  /** At shutdown: waits up to `ms` for the hooks still running, then kills their groups. Queued ones are dropped. */
  async stop(ms: number): Promise<void> {
    this.halted = true;
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    if (this.inFlight > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        this.idle = () => (clearTimeout(t), r());
      });
    }
    for (const [pid, timers] of this.live) {
      for (const t of timers) clearTimeout(t);
      killGroup(pid, 'SIGKILL');
    }
  }
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* gone already */
  }
}
