import { statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { ADMIN } from '../core/roles.js';
import { managedGroup } from '../db/agents.js';
import { type Db, dataVersion, envBusyTimeout, openDb, openReadOnly } from '../db/open.js';
import { getRun } from '../db/runs.js';
import { feed, send } from '../msg/messages.js';
import { list as listDeadLetters } from '../msg/deadletters.js';
import { decideApproval, listApprovals } from '../supervisor/approvals.js';
import { ackConflictAs, conflictViews } from '../supervisor/conflict-list.js';
import { ControlClient, liveSupervisor } from '../supervisor/client.js';
import { runHistory } from '../supervisor/history.js';
import { hookFailures } from '../supervisor/hook-status.js';
import { latestLogTail } from '../supervisor/logview.js';
import { LazyRunScrubbers } from '../supervisor/scrubbing.js';
import type { AgentView } from '../supervisor/protocol.js';
import { auditEntries, fleetOf } from '../supervisor/reads.js';
import { offlineList } from '../supervisor/status.js';
import { queueWake } from '../supervisor/wake.js';
import { type Board, board, comment, setStatus, show, taskHistory } from '../task/board.js';
import type { Change } from '../task/views.js';
import { type ReloadNotice, reloadNotice } from './reload-notice.js';
import { alertOf } from './alerts.js';
import type { Activity, Alert, ApprovalItem, AuditFilter, ConflictItem, DataSource, FleetAgent, LogTail, SupervisorStatus } from './source.js';

/** How often another process's writes are looked for (PRAGMA data_version: one page read). */
const POLL_MS = 500;
const REATTACH_MS = 2000;
/**
 * How often the logs of the running agents are looked at. A growing log makes no event and
 * no database write, so the fleet as last read would show a busy agent silent for ever.
 * The dashboard stats the logs as the supervisor's tick does (about 2 to 5 ms of the
 * supervisor's CPU per list of 100 agents, per dashboard, is what asking it would cost).
 */
const STAT_MS = 2000;
/**
 * How long a read waits for the file unless AGOR_BUSY_TIMEOUT says otherwise (a reader of a
 * WAL file waits only while another connection recovers or truncates the log): a dashboard
 * must keep drawing, not hang for the minute a writer would wait.
 */
const READ_WAIT_MS = 5000;

const later = (a: string | null, ms: number | null): string | null => {
  if (ms === null) return a;
  return a !== null && Date.parse(a) >= ms ? a : new Date(ms).toISOString();
};

/** The Fleet counts the hooks that failed over this long. */
const DAY_MS = 86_400_000;

/**
 * The dashboard's local data source: a read-only SQLite connection for what the database
 * holds, the control socket for the live fleet and its events, and a writable connection
 * (opened on first use) for the actions that are plain database writes.
 */
export class LocalSource implements DataSource {
  readonly label: string;
  private readonly ro: Db;
  private rw: Db | null = null;
  private client: ControlClient | null = null;
  private status: SupervisorStatus = { state: 'none', pid: null, group: null };
  private reload: ReloadNotice | null = null;
  private live: AgentView[] | null = null;
  /** The agents fleet() last returned, whose logs are looked at; their log paths by run id. */
  private shown: AgentView[] = [];
  private logPaths = new Map<string, string | null>();
  private times = new Map<string, Activity>();
  private listeners = new Set<() => void>();
  private alerts = new Set<(a: Alert) => void>();
  private timers: NodeJS.Timeout[] = [];
  private readonly scrubbers = new LazyRunScrubbers(() => this.notify());
  private dataVersion = -1;
  private attaching = false;
  private closed = false;

  constructor(private readonly dbPath: string) {
    this.label = dbPath;
    // Create or migrate the file once, then read through a connection that cannot write.
    openDb({ path: dbPath }).close();
    this.ro = openReadOnly({ path: dbPath, busyTimeoutMs: envBusyTimeout() ?? READ_WAIT_MS });
    this.timers.push(
      setInterval(() => this.poll(), POLL_MS),
      setInterval(() => void this.attach(), REATTACH_MS),
      setInterval(() => this.stat(), STAT_MS),
    );
    void this.attach();
  }

  /** Attaches to the supervisor when one runs (again, after one went away). */
  private async attach(): Promise<void> {
    if (this.client || this.attaching || this.closed) return;
    const sup = liveSupervisor(this.ro);
    if (!sup) return;
    this.attaching = true;
    try {
      const c = await ControlClient.connect(sup.socket);
      if (this.closed) return c.close();
      this.client = c;
      this.status = { state: 'attached', pid: sup.pid, group: sup.group_id };
      c.onEvent = (ev) => {
        if (ev.event === 'notify') return alertOf(this.alerts, ev);
        this.reload = reloadNotice(ev as unknown as Record<string, unknown>, (this.reload?.seq ?? 0) + 1) ?? this.reload;
        void this.refreshFleet();
      };
      void c.closed.then(() => {
        if (this.client !== c) return;
        this.client = null;
        this.live = null;
        this.status = { ...this.status, state: 'lost' };
        this.notify();
      });
      await c.request('subscribe');
      await this.refreshFleet();
    } catch {
      this.client = null;
    } finally {
      this.attaching = false;
    }
  }

  private listing = false;
  private listAgain = false;

  /**
   * Lists the fleet again. Requests that come while a list is under way make one more list
   * after it, not one each: 100 agents going idle together send 100 events.
   */
  private async refreshFleet(): Promise<void> {
    if (this.listing) {
      this.listAgain = true;
      return;
    }
    this.listing = true;
    try {
      do {
        this.listAgain = false;
        const c = this.client;
        if (!c) {
          this.notify();
          break;
        }
        try {
          this.live = await c.request<AgentView[]>('list');
        } catch {
          this.live = null;
        }
        this.notify();
      } while (this.listAgain);
    } finally {
      this.listing = false;
    }
  }

  /**
   * The last output of each agent with a process, from its run log's modification time:
   * handed to the Fleet's clock through activity(), without a notification (which would
   * make every view read everything again).
   */
  private stat(): void {
    const paths = new Map<string, string | null>();
    const times = new Map<string, Activity>();
    for (const a of this.shown) {
      if (a.pid === null || !a.run_id) continue;
      let path = this.logPaths.get(a.run_id);
      if (path === undefined) {
        try {
          path = getRun(this.ro, a.run_id)?.log_path ?? null;
        } catch {
          continue;
        }
      }
      paths.set(a.run_id, path);
      let mtime: number | null = null;
      try {
        if (path) mtime = statSync(path).mtimeMs;
      } catch {
        // Not there (yet, or any more): the listed time stands.
      }
      times.set(a.id, { last_output_at: later(a.last_output_at, mtime), last_heartbeat_at: a.last_heartbeat_at });
    }
    this.logPaths = paths;
    this.times = times;
  }

  private poll(): void {
    let v: number;
    try {
      v = dataVersion(this.ro);
    } catch {
      return;
    }
    if (v === this.dataVersion) return;
    this.dataVersion = v;
    if (this.client) void this.refreshFleet();
    else this.notify();
  }

  private notify(): void {
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

  lastReload(): ReloadNotice | null {
    return this.reload;
  }

  supervisor(): SupervisorStatus {
    if (this.status.group === null) return { ...this.status, group: managedGroup(this.ro) };
    return this.status;
  }

  fleet(): FleetAgent[] {
    const agents = this.live ?? offlineList(this.ro);
    this.shown = agents;
    return fleetOf(this.ro, agents);
  }

  activity(): ReadonlyMap<string, Activity> {
    return this.times;
  }

  board(): Board {
    return board(this.ro, ADMIN);
  }

  task(id: string) {
    try {
      return show(this.ro, ADMIN, id);
    } catch (err) {
      if (err instanceof UserError) return null;
      throw err;
    }
  }

  taskHistory(id: string): Change[] | null {
    try {
      return taskHistory(this.ro, ADMIN, id).changes;
    } catch (err) {
      if (err instanceof UserError) return null;
      throw err;
    }
  }

  feed(limit: number) {
    return feed(this.ro, ADMIN, limit);
  }

  deadLetters(limit: number) {
    return listDeadLetters(this.ro, ADMIN, limit);
  }

  runs(agent: string | null, limit: number) {
    return runHistory(this.ro, { agent: agent ?? undefined, limit });
  }

  audit(f: AuditFilter) {
    return auditEntries(this.ro, f);
  }

  hookFailures() {
    return hookFailures(this.ro, DAY_MS);
  }

  logTail(agent: string, lines: number): LogTail {
    // Null while the keyring library loads: the next read (a second later, or on notify) shows it.
    const tail: LogTail = latestLogTail(this.ro, agent, lines, (run, group) => this.scrubbers.forRun(run, group));
    return this.scrubbers.note ? { ...tail, note: this.scrubbers.note } : tail;
  }

  approvals(): ApprovalItem[] {
    return listApprovals(this.ro, { readOnly: true }).map((a) => ({ ...a, ref: String(a.id) }));
  }

  async approve(ref: string, note?: string) {
    decideApproval(this.writable(), { id: Number(ref), decision: 'approved', by: ADMIN, note: note ?? null });
  }

  async deny(ref: string, note?: string) {
    decideApproval(this.writable(), { id: Number(ref), decision: 'denied', by: ADMIN, note: note ?? null });
  }

  conflicts(): ConflictItem[] {
    try {
      return conflictViews(this.ro).map((c) => ({ ...c, ref: String(c.id) }));
    } catch {
      // A database from before conflicts were recorded: none yet.
      return [];
    }
  }

  async ackConflict(ref: string, note?: string) {
    ackConflictAs(this.writable(), Number(ref), ADMIN, note ?? null);
  }

  private writable(): Db {
    this.rw ??= openDb({ path: this.dbPath });
    return this.rw;
  }

  private supervised(): ControlClient {
    if (!this.client) throw new UserError('no supervisor is running', 'start one with: agor up -d');
    return this.client;
  }

  async start(agents: string[]) {
    await this.supervised().request('start', { agents });
  }

  async stop(agents: string[]) {
    await this.supervised().request('stop', { agents });
  }

  async restart(agents: string[]) {
    await this.supervised().request('restart', { agents });
  }

  async wake(agent: string, reason: string) {
    if (this.client) await this.client.request('wake', { agent, reason });
    // Without a supervisor the wake waits in the database, under the same rules and audit.
    else queueWake(this.writable(), { agent, reason: 'manual', detail: reason, prompt: null, timeoutMs: null, by: ADMIN });
  }

  async send(to: string, text: string) {
    send(this.writable(), ADMIN, to, text);
  }

  async moveTask(id: string, state: string, comment?: string) {
    setStatus(this.writable(), ADMIN, id, state, { comment });
  }

  async comment(id: string, text: string) {
    comment(this.writable(), ADMIN, id, text);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.client?.close();
    this.ro.close();
    this.rw?.close();
  }
}
