/** What the supervisor's modules share: its options, the agents' slots and runs, and the ways to record and tell. */
import type { Db } from '../db/open.js';
import type { AgentCgroup } from '../sandbox/cgroup.js';
import type { Clock } from './clock.js';
import type { Containment, LimitBaseline } from './contain.js';
import type { NamedSecret, Secrets } from './secrets.js';
import type { AgentConfig, GroupConfig } from './config.js';
import type { Event, Health, State } from './protocol.js';
import type { Scrubber } from '../secrets/scrub.js';
import type { SecretsOf } from './scrubbing.js';
import type { WriteQueue } from './writes.js';

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
  /** The secrets handed to a run, so that what it wrote is shown with them redacted. */
  secretsOf?: SecretsOf;
}

/** Why a run is being stopped, which decides its outcome and what follows. */
export type StopWhy = 'stop' | 'restart' | 'down' | 'timeout' | 'stalled' | 'removed' | 'budget';

/** A live run of an agent; whether it is stalled or idle is its slot's state. */
export interface Run {
  id: string;
  pid: number | null;
  pidStart: number | null;
  startedAt: number;
  logPath: string;
  timeoutMs: number | null;
  adopted: boolean;
  wakeReason: string;
  stopping: StopWhy | null;
  /** When a stop escalates to SIGKILL (wall clock). */
  killAt: number | null;
  timers: NodeJS.Timeout[];
  lastSize: number;
  lastOutputAt: number;
  peakKb: number;
  /** The run's own cgroup (null where the machine offers none), and its counters at the start. */
  cgroup: AgentCgroup | null;
  limitBase: LimitBaseline;
  ended: boolean;
  done: Promise<void>;
  finish: () => void;
}

/** One agent of the group as the supervisor holds it. */
export interface Slot {
  cfg: AgentConfig;
  /** Where its runs work: its cwd, or its own git worktree once one is made for it (`worktree:`). */
  workdir: string;
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
  lastScorerWake: number;
  /** A start put off because the database was busy (logged once per streak). */
  deferred: boolean;
  lastAttention: { score: number; reason: string | null };
  schedules: { key: string; next: number; s: AgentConfig['schedules'][number] }[];
  /** Why a spent budget holds it back ("daily budget spent (…)"), null when none does. */
  budgetSpent: string | null;
}

export function newSlot(cfg: AgentConfig): Slot {
  return {
    cfg,
    workdir: cfg.cwd,
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
    lastScorerWake: 0,
    deferred: false,
    lastAttention: { score: 0, reason: null },
    schedules: [],
    budgetSpent: null,
  };
}

/** The state of an agent at rest: a service is inactive, an on-demand agent dormant. */
export const restState = (slot: Slot): State => (slot.cfg.mode === 'service' ? 'inactive' : 'dormant');

/** What every module of the supervisor reaches through the coordinator. */
export interface Ctx {
  readonly db: Db;
  readonly o: DaemonOptions;
  readonly slots: Map<string, Slot>;
  readonly writes: WriteQueue;
  /** The sandbox helper, the kernel's facts and the runs' cgroups. */
  readonly contain: Containment;
  /** The keyring secrets of runs, read as each starts. */
  readonly secrets: Secrets;
  /** The secret values run `runId` was given, for the scrubber; never written anywhere. */
  secretsOf(runId: string): NamedSecret[];
  /** Agents waiting for a place under max_concurrent, in order. */
  startQueue: string[];
  /** True once shutdown has begun. */
  shuttingDown(): boolean;
  now(): number;
  emit(ev: Event): void;
  emitState(slot: Slot, reason?: string): void;
  /** Saves the slot's state as it is now; a newer save replaces one still waiting. */
  persist(slot: Slot): void;
  /** An audit entry by the operator, recorded when the database lets it. */
  audit(event: string, detail: Record<string, unknown>): void;
  /** Runs one piece of bookkeeping; what it throws is logged, never fatal to the supervisor. */
  safe(where: string, fn: () => void): void;
  /** A write someone waits for, retried while the file is busy, up to `ms`. */
  patientWrite(what: string, fn: () => void, ms?: number): Promise<void>;
  /** What everything shown or stored from a run's output passes through: its secrets and token shapes redacted. */
  scrub(runId: string | null): Scrubber;
}

export const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());
