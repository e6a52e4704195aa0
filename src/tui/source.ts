import type { FeedItem } from '../msg/messages.js';
import type { DeadLetter } from '../msg/views.js';
import type { ApprovalView } from '../supervisor/approvals.js';
import type { ConflictView } from '../supervisor/conflict-list.js';
import type { AgentView } from '../supervisor/protocol.js';
import type { ReloadNotice } from './reload-notice.js';
import type { AuditEntry, AuditFilter, FleetAgent as HostFleetAgent, LogTail } from '../supervisor/reads.js';
import type { RunView } from '../supervisor/views.js';
import type { ConnState } from '../relay/client.js';
import type { Board, TaskDetail } from '../task/board.js';
import type { Change } from '../task/views.js';

// ConnState: a remote host's link (connecting, connected, reconnecting at `next`, refused until the operator acts), as the relay client reports it.
export type { AuditEntry, AuditFilter, ConnState, LogTail };

/**
 * One agent as the Fleet shows it. A source over several hosts names it `host/agent` in
 * `id` (what actions take) and adds the host, the agent's own id, and whether the host is
 * out of reach (its last known row, greyed, not to be acted on).
 */
export interface FleetAgent extends HostFleetAgent {
  host?: string;
  agent_id?: string;
  lost?: boolean;
}

/**
 * One approval request as the dashboard shows it. `ref` is what approve and deny take: the
 * request's id, or `host/id` over several hosts (ids are per database).
 */
export interface ApprovalItem extends ApprovalView {
  ref: string;
  host?: string;
}

/** One conflict as the dashboard shows it; `ref` is what ackConflict takes. */
export interface ConflictItem extends ConflictView {
  ref: string;
  host?: string;
}

/** One host of a source over several: its name, where its data comes from, and its link. */
export interface HostInfo {
  name: string;
  label: string;
  conn: ConnState;
}

/** When an agent last showed life: what its stall timer counts from. */
export type Activity = Pick<AgentView, 'last_output_at' | 'last_heartbeat_at'>;

/** What the dashboard knows of the supervisor: none running, attached, or lost while attached. */
export interface SupervisorStatus {
  state: 'none' | 'attached' | 'lost';
  pid: number | null;
  group: string | null;
}

/** A notification of the supervisor (its `notify` event); `bell` says whether agor.yaml wants the bell for it. */
export interface Alert {
  kind: string;
  agent: string | null;
  title: string;
  body: string;
  bell: boolean;
}

/**
 * Everything the dashboard reads and does, behind one interface: the local source reads
 * the SQLite file (read-only) and talks to the control socket; the relay's source will do
 * the same over WebSocket. Reads are synchronous snapshots of what the source last
 * fetched; `subscribe` says when to read again.
 */
export interface DataSource {
  /** Where the data comes from, for the title bar (a database path or a relay URL). */
  readonly label: string;
  supervisor(): SupervisorStatus;
  fleet(): FleetAgent[];
  /**
   * The agents' latest output and heartbeat times, by agent id: fresher than fleet(), since
   * they change every second for a busy agent without a notification (which would make
   * every view read everything again). Optional: the Fleet's timers fall back to fleet().
   */
  activity?(): ReadonlyMap<string, Activity>;
  board(): Board;
  task(id: string): TaskDetail | null;
  /**
   * A task's change history (bttask history), oldest first; null when the task is gone.
   * Optional: the task view shows a history section only when the source has it.
   */
  taskHistory?(id: string): Change[] | null;
  feed(limit: number): FeedItem[];
  deadLetters(limit: number): DeadLetter[];
  runs(agent: string | null, limit: number): RunView[];
  audit(filter: AuditFilter): AuditEntry[];
  /** Hooks that failed in the last 24 h, and the latest failure. Optional: the Fleet shows a line when the source has it. */
  hookFailures?(): { count: number; last: AuditEntry | null };
  logTail(agent: string, lines: number): LogTail;
  /** Pending approval requests, oldest first. Optional: without it there is no approvals queue. */
  approvals?(): ApprovalItem[];
  /** The latest reload of agor.yaml the supervisor announced since the dashboard started. Optional: the status line shows it when the source has it. */
  lastReload?(): ReloadNotice | null;
  /**
   * Calls `onAlert` for each notification the supervisor sends (`notify:` in agor.yaml, already
   * rate-limited): the dashboard rings the terminal bell. Optional: without it, no bell.
   */
  onAlert?(onAlert: (a: Alert) => void): () => void;
  /** Open and acknowledged conflicts, oldest first. Optional: without it the Conflicts view says so. */
  conflicts?(): ConflictItem[];
  /** Calls `onChange` when something may have changed (an event, or another process's write). */
  subscribe(onChange: () => void): () => void;
  /** Actions: each the same domain call the CLI makes; they reject with a UserError. */
  start(agents: string[]): Promise<void>;
  stop(agents: string[]): Promise<void>;
  restart(agents: string[]): Promise<void>;
  wake(agent: string, reason: string): Promise<void>;
  send(to: string, text: string): Promise<void>;
  moveTask(id: string, state: string, comment?: string): Promise<void>;
  comment(id: string, text: string): Promise<void>;
  /** Decide a pending approval request (its `ref`), as the operator, with an optional note. */
  approve?(ref: string, note?: string): Promise<void>;
  deny?(ref: string, note?: string): Promise<void>;
  /** Acknowledge a conflict (its `ref`) as the operator: it stops raising attention until a new write to its files. */
  ackConflict?(ref: string, note?: string): Promise<void>;
  close(): void;
  /** A remote source's link to its relay (absent: a local source, always reachable). */
  connection?(): ConnState;
  /** A source over several hosts: each host with its link, in order. Absent for one host. */
  hosts?(): HostInfo[];
  /** The host whose board, feed, dead letters and audit the views show (several hosts only). */
  selectedHost?(): string;
  selectHost?(name: string): void;
}
