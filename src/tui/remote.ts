import { UserError } from '../core/errors.js';
import type { FeedItem } from '../msg/messages.js';
import type { DeadLetter } from '../msg/views.js';
import type { RelayOp } from '../relay/protocol.js';
import type { RunView } from '../supervisor/views.js';
import type { Board, TaskDetail } from '../task/board.js';
import type { Change } from '../task/views.js';
import { connWords } from './multi.js';
import { type ReloadNotice, reloadNotice } from './reload-notice.js';
import { alertOf } from './alerts.js';
import type { ApprovalView } from '../supervisor/approvals.js';
import type { Alert, ApprovalItem, AuditEntry, AuditFilter, ConnState, DataSource, FleetAgent, LogTail, SupervisorStatus } from './source.js';

/** What the remote source needs of a relay connection (the relay client's RelayClient). */
export interface RelayRequester {
  request<T>(op: RelayOp, args?: Record<string, unknown>): Promise<T>;
}

/** A link that reconnects on its own (the relay client's ReconnectingRelay). */
export interface RelayLink {
  state(): ConnState;
  close(): void;
}

/** What the link calls back: its state, each (re)connection before use, and each event. */
export interface LinkHandlers {
  onState(s: ConnState): void;
  onConnect(c: RelayRequester): Promise<void>;
  onEvent(ev: { event: string }): void;
}

/**
 * A read is on screen when a view made it since the last notification (views read again
 * after each) or this recently; those are fetched again on events, the others when next read.
 */
const RECENT_MS = 5000;
/** A read nobody asked for in this long is forgotten. */
const FORGET_MS = 60_000;
/**
 * Reads that change without an event: a growing log, and the fleet's output times (the
 * supervisor's list has them; it sends no event for a line of output).
 */
const POLL: Partial<Record<RelayOp, number>> = { log_tail: 1000, fleet: 2000 };

interface Entry {
  op: RelayOp;
  args: Record<string, unknown>;
  /** The last answer, as JSON too (to tell whether a new one differs). */
  value: unknown;
  json: string | undefined;
  readAt: number;
  fetchedAt: number;
  /** Something changed since the last answer: the next read fetches it again. */
  stale: boolean;
  inflight: boolean;
  again: boolean;
}

const NONE: SupervisorStatus = { state: 'none', pid: null, group: null };
const EMPTY_BOARD: Board = { todo: [], progress: [], review: [], done: [], blocked: [] };

/**
 * The dashboard's source over one relay. The DataSource reads are synchronous, so each
 * read returns the last answer the relay gave to the same request (an empty value until
 * the first comes) and asks again in the background: after every event (the relay's
 * `changed` says another process wrote the database), after an action and after a
 * reconnect, at once for the reads on screen and at their next read for the others. At
 * most one request per read is in flight, with one more after it when asked meanwhile.
 * Views are told when an answer differs from the last.
 */
export class RemoteSource implements DataSource {
  private readonly link: RelayLink;
  private readonly cache = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly alerts = new Set<(a: Alert) => void>();
  private readonly timer: NodeJS.Timeout;
  private conn: ConnState = { state: 'connecting' };
  private notifiedAt = 0;
  /** The connection of the link, from its onConnect until it is lost. */
  private current: RelayRequester | null = null;
  private closed = false;
  private reload: ReloadNotice | null = null;

  /** `connect` makes the link with the handlers given (new ReconnectingRelay(target, handlers)). */
  constructor(
    readonly label: string,
    connect: (h: LinkHandlers) => RelayLink,
  ) {
    this.link = connect({
      onState: (s) => {
        if (s.state !== 'connected') this.current = null;
        this.conn = s;
        this.notify();
      },
      onConnect: async (c) => {
        this.current = c;
        await c.request('subscribe');
        // A fresh snapshot: what changed while the link was down shows now.
        const now = Date.now();
        for (const op of ['status', 'fleet'] as const) this.entry(op, {}).readAt = now;
        for (const e of this.cache.values()) e.stale = true;
        await Promise.all([...this.cache.values()].filter((e) => this.onScreen(e, now)).map((e) => this.fetch(e)));
      },
      onEvent: (ev) => {
        if (ev.event === 'notify') return alertOf(this.alerts, ev);
        this.reload = reloadNotice(ev as Record<string, unknown>, (this.reload?.seq ?? 0) + 1) ?? this.reload;
        this.changed();
      },
    });
    this.conn = this.link.state();
    this.timer = setInterval(() => this.tick(), 500);
  }

  lastReload(): ReloadNotice | null {
    return this.reload;
  }

  connection(): ConnState {
    return this.conn;
  }

  private notify(): void {
    this.notifiedAt = Date.now();
    for (const l of this.listeners) l();
  }

  onAlert(onAlert: (a: Alert) => void): () => void {
    this.alerts.add(onAlert);
    return () => this.alerts.delete(onAlert);
  }

  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  private entry(op: RelayOp, args: Record<string, unknown>): Entry {
    const key = `${op} ${JSON.stringify(args)}`;
    let e = this.cache.get(key);
    if (!e) {
      e = { op, args, value: undefined, json: undefined, readAt: 0, fetchedAt: 0, stale: true, inflight: false, again: false };
      this.cache.set(key, e);
    }
    return e;
  }

  /** The last answer to `op args` (else `empty`); a first read fetches it. */
  private read<T>(op: RelayOp, args: Record<string, unknown>, empty: T): T {
    const e = this.entry(op, args);
    e.readAt = Date.now();
    if (e.stale && !e.inflight) void this.fetch(e);
    return e.json === undefined ? empty : (e.value as T);
  }

  private onScreen(e: Entry, now: number): boolean {
    return e.readAt >= this.notifiedAt || now - e.readAt <= RECENT_MS;
  }

  /** Fetches again the reads on screen (that `which` picks). */
  private refresh(which: (e: Entry) => boolean): void {
    const now = Date.now();
    for (const [key, e] of this.cache) {
      if (now - e.readAt > FORGET_MS && !e.inflight) this.cache.delete(key);
      else if (this.onScreen(e, now) && which(e)) void this.fetch(e);
    }
  }

  /** Something may have changed (an event, an action): every answer is stale, those on screen are fetched now. */
  private changed(): void {
    for (const e of this.cache.values()) e.stale = true;
    this.refresh(() => true);
  }

  private tick(): void {
    const now = Date.now();
    this.refresh((e) => {
      const every = POLL[e.op];
      return every !== undefined && now - e.fetchedAt >= every;
    });
  }

  private async fetch(e: Entry): Promise<void> {
    if (e.inflight) {
      e.again = true;
      return;
    }
    e.inflight = true;
    try {
      do {
        e.again = false;
        const c = this.current;
        if (!c || this.closed) break;
        e.fetchedAt = Date.now();
        e.stale = false;
        try {
          const value = await c.request<unknown>(e.op, e.args);
          const json = JSON.stringify(value);
          if (json !== e.json) {
            e.value = value;
            e.json = json;
            this.notify();
          }
        } catch {
          // The last answer stands: a lost link reconnects and reads again.
          e.stale = true;
          if (!e.again) break;
        }
      } while (e.again && !this.closed);
    } finally {
      e.inflight = false;
    }
  }

  supervisor(): SupervisorStatus {
    return this.read<SupervisorStatus>('status', {}, NONE);
  }

  fleet(): FleetAgent[] {
    return this.read<FleetAgent[]>('fleet', {}, []);
  }

  board(): Board {
    return this.read<Board>('board', {}, EMPTY_BOARD);
  }

  task(id: string): TaskDetail | null {
    return this.read<TaskDetail | null>('task', { task: id }, null);
  }

  taskHistory(id: string): Change[] | null {
    return this.read<Change[] | null>('task_history', { task: id }, null);
  }

  feed(limit: number): FeedItem[] {
    return this.read<FeedItem[]>('feed', { limit }, []);
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.read<DeadLetter[]>('dead_letters', { limit }, []);
  }

  runs(agent: string | null, limit: number): RunView[] {
    return this.read<RunView[]>('runs', agent === null ? { limit } : { agent, limit }, []);
  }

  audit(f: AuditFilter): AuditEntry[] {
    const args: Record<string, unknown> = { limit: f.limit };
    if (f.agent) args.agent = f.agent;
    if (f.type) args.type = f.type;
    return this.read<AuditEntry[]>('audit', args, []);
  }

  logTail(agent: string, lines: number): LogTail {
    return this.read<LogTail>('log_tail', { agent, lines }, { agent, run: null, lines: [] });
  }

  approvals(): ApprovalItem[] {
    return this.read<ApprovalView[]>('approvals', {}, []).map((a) => ({ ...a, ref: String(a.id) }));
  }

  /** An action through the relay; what it changed is read again at once. */
  private async act(op: RelayOp, args: Record<string, unknown>): Promise<void> {
    const c = this.conn.state === 'connected' ? this.current : null;
    if (!c)
      throw new UserError(`${this.label} is ${connWords(this.conn)}: nothing was sent`, 'the dashboard reconnects on its own; try again once it says connected');
    await c.request(op, args);
    this.changed();
  }

  start(agents: string[]) {
    return this.act('start', { agents });
  }

  stop(agents: string[]) {
    return this.act('stop', { agents });
  }

  restart(agents: string[]) {
    return this.act('restart', { agents });
  }

  wake(agent: string, reason: string) {
    return this.act('wake', { agent, reason });
  }

  send(to: string, text: string) {
    return this.act('send', { to, text });
  }

  moveTask(id: string, state: string, comment?: string) {
    return this.act('move_task', comment ? { task: id, state, comment } : { task: id, state });
  }

  comment(id: string, text: string) {
    return this.act('comment', { task: id, text });
  }

  approve(ref: string, note?: string) {
    return this.act('approve', note ? { request: Number(ref), note } : { request: Number(ref) });
  }

  deny(ref: string, note?: string) {
    return this.act('deny', note ? { request: Number(ref), note } : { request: Number(ref) });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.link.close();
  }
}
