/**
 * Notifications (`notify:`): turns the supervisor's events and new approval requests into
 * notices, rate-limits them, and hands each one that passes to the desktop (notify-send or
 * gdbus, spawned, bounded, a few at a time) and to the dashboards as a `notify` event (their
 * terminal bell). Nothing here can stop or slow the supervisor: without a notification
 * service it says so once in the log and goes on without.
 */
import { lastApprovalId } from '../db/approval-waits.js';
import { approvalsAfter } from '../db/hooks.js';
import type { Db } from '../db/open.js';
import type { Scrubber } from '../secrets/scrub.js';
import { iso } from './context.js';
import { type NotifyConfig, DEFAULT_NOTIFY } from './notify-config.js';
import { type DesktopStatus, probeDesktop, sendDesktop } from './notify-desktop.js';
import { type Notice, Limiter, approvalNotice, noticeOf } from './notify-rules.js';
import type { Event } from './protocol.js';

/** At most this many notify-send/gdbus processes at once; more are dropped (and logged), never queued without end. */
const IN_FLIGHT_MAX = 3;
/** After this many failed sends in a row, desktop notifications are off until a probe finds a service again. */
const FAILURES_OFF = 3;
/** How often, at most, a service that did not answer is asked again (a desktop session may start later). */
const REPROBE_MS = 5 * 60_000;
const SUMMARY_CHECK_MS = 1000;
const BATCH = 100;

export interface NotifierOptions {
  db: Db;
  config?: NotifyConfig;
  log: (line: string) => void;
  emit: (ev: Event) => void;
  now: () => number;
  /** The scrubber of a run's secrets, for what an agent asking for approval wrote. */
  scrub?: (runId: string | null) => Scrubber;
  env?: NodeJS.ProcessEnv;
}

/** One per supervisor: fed every event (`onEvent`) and polled for new approval requests (`poll`). */
export class Notifier {
  private cfg: NotifyConfig;
  private limiter: Limiter;
  private readonly failed = new Set<string>();
  private desktop: DesktopStatus | null = null;
  private probing: Promise<void> | null = null;
  private probedAt = 0;
  private failures = 0;
  private inFlight = 0;
  private approvalsAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly o: NotifierOptions) {
    this.cfg = o.config ?? DEFAULT_NOTIFY;
    this.limiter = new Limiter(this.cfg);
  }

  private get anything(): boolean {
    return (this.cfg.desktop !== false || this.cfg.bell) && Object.values(this.cfg.events).some(Boolean);
  }

  /** Asks whether a notification service answers (in the background) and starts reading approvals from the newest. */
  start(): void {
    if (!this.anything) return this.o.log('notifications: off (notify: off)');
    if (this.cfg.desktop === false) this.o.log(`notifications: desktop off (notify.desktop: off)${this.cfg.bell ? ', dashboard bell on' : ''}`);
    else this.probe();
    if (this.cfg.events.approval) this.approvalsAt = lastApprovalId(this.o.db);
  }

  /** Takes a new `notify:` (agor.yaml reloaded): its events, rates and bell from now on; the desktop asked about if it was off. */
  reconfigure(config: NotifyConfig | undefined): void {
    const was = this.cfg;
    if (JSON.stringify(was) === JSON.stringify(config ?? DEFAULT_NOTIFY)) return;
    this.cfg = config ?? DEFAULT_NOTIFY;
    this.limiter = new Limiter(this.cfg);
    if (this.cfg.events.approval && !was.events.approval) this.approvalsAt = lastApprovalId(this.o.db);
    if (this.anything && this.cfg.desktop !== false && !this.desktop) this.probe();
  }

  private probe(): void {
    if (this.probing || this.stopped) return;
    this.probedAt = this.o.now();
    this.probing = probeDesktop(this.o.env).then((s) => {
      this.probing = null;
      const was = this.desktop;
      this.desktop = s;
      this.failures = 0;
      // Said once, and again only when it changes.
      if (!was || was.on !== s.on) this.o.log(s.on ? `notifications: on (via ${s.via}${s.server ? `, server ${s.server}` : ''})` : `notifications: off (${s.why})`);
    });
  }

  /** Hands one supervisor event over; returns at once. */
  onEvent(ev: Event): void {
    if (ev.event === 'notify' || !this.anything) return;
    const wasFailed = ev.event === 'state' && this.failed.has(ev.agent);
    if (ev.event === 'state') {
      if (ev.state === 'failed') this.failed.add(ev.agent);
      else this.failed.delete(ev.agent);
    }
    const n = noticeOf(ev, wasFailed);
    if (n) this.offer(n);
  }

  /** Reads the approval requests made since the last look (on a database change and each tick). */
  poll(): void {
    if (!this.anything || !this.cfg.events.approval || this.stopped) return;
    for (;;) {
      const rows = approvalsAfter(this.o.db, this.approvalsAt, BATCH);
      for (const r of rows) {
        this.approvalsAt = r.id;
        if (r.status !== 'pending') continue;
        const s = this.o.scrub?.(r.run_id) ?? ((t: string) => t);
        this.offer(approvalNotice({ id: r.id, agent: r.agent, action: s(r.action), detail: r.detail === null ? null : s(r.detail) }));
      }
      if (rows.length < BATCH) break;
    }
  }

  private offer(n: Notice): void {
    if (this.stopped || !this.cfg.events[n.event]) return;
    if (this.limiter.admit(n, this.o.now()) === 'send') this.deliver(n);
    if (this.limiter.pending && !this.timer) this.arm();
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      for (const n of this.limiter.due(this.o.now())) this.deliver(n, 'summary');
      if (this.limiter.pending && !this.stopped) this.arm();
    }, SUMMARY_CHECK_MS);
    this.timer.unref();
  }

  private deliver(n: Notice, kind: string = n.event): void {
    const wanted = this.cfg.desktop !== false;
    if (wanted && !this.desktop?.on && this.o.now() - this.probedAt >= REPROBE_MS) this.probe();
    // A failure in the first moments (or after a re-probe) waits for the answer rather than missing the desktop.
    if (this.probing) return void this.probing.then(() => this.deliver(n, kind));
    const desktop = wanted && this.desktop?.on === true;
    this.o.emit({ event: 'notify', at: iso(this.o.now())!, kind, agent: n.agent, title: n.title, body: n.body, bell: this.cfg.bell, desktop });
    if (!desktop) return;
    if (this.inFlight >= IN_FLIGHT_MAX) return this.o.log(`notifications: ${IN_FLIGHT_MAX} still being shown, dropped: ${n.title}`);
    this.inFlight++;
    void sendDesktop(n.title, n.body, n.urgency, this.o.env).then((err) => {
      this.inFlight--;
      if (!err) return void (this.failures = 0);
      if (++this.failures === 1) this.o.log(`notifications: ${err}`);
      if (this.failures >= FAILURES_OFF && this.desktop?.on) {
        this.desktop = { on: false, via: null, server: null, why: err };
        this.o.log(`notifications: off (${err})`);
      }
    });
  }

  /** Stops the summary timer; sends already started finish on their own (each is bounded). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
