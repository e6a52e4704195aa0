import { UserError } from '../core/errors.js';
import { managedGroup } from '../db/agents.js';
import { type Db, dataVersion } from '../db/open.js';
import { ControlClient, liveSupervisor } from '../supervisor/client.js';
import type { Event, Op } from '../supervisor/protocol.js';
import type { RelayEvent } from './protocol.js';

/** How often another process's writes are looked for (PRAGMA data_version: one page read). */
const POLL_MS = 500;
/** How often a supervisor is looked for while none is attached. */
const REATTACH_MS = 2000;
/** How long the supervisor has to answer the relay's subscribe. */
const ATTACH_MS = 5000;

export interface UpstreamStatus {
  state: 'none' | 'attached' | 'lost';
  pid: number | null;
  group: string | null;
}

/**
 * The relay's one connection to the supervisor of its database, shared by every client:
 * attached when a supervisor is alive, looked for again every 2 s when none is (or it went
 * away). It subscribes once and hands each event to `onEvent`, with the relay's own events:
 * `upstream` when it attaches or loses the supervisor, `changed` when the database moved.
 */
export class Upstream {
  private client: ControlClient | null = null;
  private attaching = false;
  private closed = false;
  private version = -1;
  private current: UpstreamStatus = { state: 'none', pid: null, group: null };
  private readonly timers: NodeJS.Timeout[];
  /** Whoever wants the events (the server's fan-out to subscribed clients). */
  onEvent: (ev: Event | RelayEvent) => void = () => undefined;
  /** Attachments and losses, for the relay's log. */
  onChange: (s: UpstreamStatus) => void = () => undefined;

  constructor(private readonly ro: Db) {
    this.timers = [setInterval(() => this.poll(), POLL_MS), setInterval(() => void this.attach(), REATTACH_MS)];
    try {
      this.version = dataVersion(ro);
    } catch {
      // Read again at the first poll.
    }
  }

  /** Attaches now if a supervisor runs; resolves when that attempt is over. */
  async attach(): Promise<void> {
    if (this.client || this.attaching || this.closed) return;
    let sup;
    try {
      sup = liveSupervisor(this.ro);
    } catch {
      return;
    }
    if (!sup) return;
    this.attaching = true;
    let c: ControlClient | null = null;
    try {
      c = await ControlClient.connect(sup.socket);
      if (this.closed) return c.close();
      c.onEvent = (ev) => this.onEvent(ev);
      // A supervisor that accepts but does not answer (stopped with SIGSTOP, wedged) is not attached to.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer to subscribe')), ATTACH_MS)));
      try {
        await Promise.race([c.request('subscribe'), late]);
      } finally {
        clearTimeout(timer);
      }
      this.client = c;
      this.set({ state: 'attached', pid: sup.pid, group: sup.group_id });
      const attached = c;
      void c.closed.then(() => {
        if (this.client !== attached) return;
        this.client = null;
        this.set({ ...this.current, state: 'lost' });
        // A supervisor that restarts comes back within a few seconds: look at once, then every 2 s.
        void this.attach();
      });
    } catch {
      // A supervisor shutting down refuses subscribe: try again later, on a new connection.
      if (c && this.client !== c) c.close();
    } finally {
      this.attaching = false;
    }
  }

  private set(s: UpstreamStatus): void {
    this.current = s;
    this.onChange(s);
    if (s.state !== 'none') this.onEvent({ event: 'upstream', at: new Date().toISOString(), status: s.state === 'attached' ? 'attached' : 'lost', pid: s.pid });
  }

  private poll(): void {
    let v: number;
    try {
      v = dataVersion(this.ro);
    } catch {
      return;
    }
    if (v === this.version) return;
    this.version = v;
    this.onEvent({ event: 'changed', at: new Date().toISOString() });
  }

  /** What the relay knows of the supervisor; the group falls back to the database's. */
  status(): UpstreamStatus {
    if (this.current.group !== null) return this.current;
    let group: string | null = null;
    try {
      group = managedGroup(this.ro);
    } catch {
      // An unreadable file shows no group.
    }
    return { ...this.current, group };
  }

  /** The attached supervisor's connection, or null. */
  get live(): ControlClient | null {
    return this.client;
  }

  /** Passes one op to the supervisor; a UserError when none is attached. */
  request<T>(op: Op, args: Record<string, unknown> = {}): Promise<T> {
    if (!this.client) throw new UserError(`no supervisor is running for ${this.ro.name}`, 'start one with: agor up -d');
    return this.client.request<T>(op, args);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.client?.close();
    this.client = null;
  }
}
