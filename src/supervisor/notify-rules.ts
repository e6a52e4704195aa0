/**
 * Which supervisor events make a notification, what it says, and how many get through:
 * pure functions and a rate limiter with the clock passed in, so table tests run in milliseconds.
 */
import { showControls } from '../core/text.js';
import type { NotifyConfig, NotifyEvent, Rate } from './notify-config.js';
import type { Event } from './protocol.js';

export type Urgency = 'low' | 'normal' | 'critical';

/** One notification before rate limiting. */
export interface Notice {
  event: NotifyEvent;
  agent: string | null;
  title: string;
  body: string;
  urgency: Urgency;
}

/** The error classes (classify.ts) of a run that hit a limit: a resource limit, the provider's quota or its rate limit. */
export const LIMIT_CLASSES = new Set(['limit', 'quota', 'rate_limit']);

const TITLE_MAX = 80;
const BODY_MAX = 300;

/** Text an agent wrote, made safe for a notification: no control characters, clipped, no markup. */
export function clip(text: string, max: number): string {
  const one = showControls(text.replace(/\s+/g, ' ').trim());
  const cut = one.length > max ? `${one.slice(0, max - 1)}…` : one;
  // Servers that show body markup would make links and images of an agent's "<a href=…>".
  return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const notice = (event: NotifyEvent, agent: string | null, title: string, body: string, urgency: Urgency): Notice => ({
  event,
  agent,
  title: clip(`agor: ${title}`, TITLE_MAX),
  body: clip(body, BODY_MAX),
  urgency,
});

function howEnded(ev: Extract<Event, { event: 'run_end' }>): string {
  const parts = [ev.outcome === 'timeout' ? 'timed out' : ev.signal ? `killed by ${ev.signal}` : ev.exit_code !== null ? `exit ${ev.exit_code}` : ev.outcome];
  if (ev.error_class && ev.error_class !== 'unknown') parts.push(ev.error_class.replace('_', ' '));
  if (ev.note) parts.push(ev.note);
  return parts.join(': ');
}

/** The notice for a supervisor event (null: none); `wasFailed` tells an agent's change to failed from a repeat. */
export function noticeOf(ev: Event, wasFailed: boolean): Notice | null {
  switch (ev.event) {
    case 'run_end':
      if (ev.error_class && LIMIT_CLASSES.has(ev.error_class)) return notice('limit', ev.agent, `${ev.agent} hit a limit`, howEnded(ev), 'critical');
      if (ev.outcome === 'failed' || ev.outcome === 'timeout') return notice('agent_failed', ev.agent, `${ev.agent} failed`, howEnded(ev), 'critical');
      return null;
    case 'state':
      // Shares the window of the run's own failure: in a crash loop, the summary after it says the agent gave up.
      if (ev.state !== 'failed' || wasFailed) return null;
      return notice('agent_failed', ev.agent, `${ev.agent} failed`, `gave up restarting${ev.reason ? `: ${ev.reason}` : ''}`, 'critical');
    case 'stall':
      return notice('stall', ev.agent, `${ev.agent} stalled`, `no output for ${ev.silent_s} s (on_stall: ${ev.action})`, 'normal');
    case 'budget':
      if (ev.status !== 'exceeded') return null;
      return notice(
        'budget',
        ev.agent,
        `${ev.agent} spent its budget`,
        `${ev.scope === 'group' ? "the group's" : 'its'} ${ev.period} ${ev.kind} budget: ${ev.spent} of ${ev.limit}${ev.currency ? ` ${ev.currency}` : ''}; no new run until it resets`,
        'critical',
      );
    case 'conflict':
      return notice(
        'conflict',
        ev.agents.join(',') || null,
        `conflict between ${ev.agents.join(', ') || 'agents'}`,
        `${ev.kind}: ${ev.files.slice(0, 5).join(', ')}${ev.files.length > 5 ? ` and ${ev.files.length - 5} more` : ''}; see agor conflicts`,
        'normal',
      );
    default:
      return null;
  }
}

/** The notice for a new approval request. */
export const approvalNotice = (r: { id: number; agent: string; action: string; detail: string | null }): Notice =>
  notice('approval', r.agent, `${r.agent} asks for approval`, `${r.action}${r.detail ? `: ${r.detail}` : ''} (agor approval approve ${r.id})`, 'critical');

/** What the limiter says: send it, or hold it back (counted for the summary after the window). */
export type Verdict = 'send' | 'held';

interface Window {
  start: number;
  sent: number;
  held: number;
  last: Notice | null;
}

/**
 * Rate limits per (event, agent) and over everything: the first notices of a window go out,
 * the rest are counted and come back as one summary from `due` once their window has passed.
 */
export class Limiter {
  private readonly windows = new Map<string, Window>();
  private sent: number[] = [];
  private heldTotal = 0;
  private totalSince = 0;

  constructor(private readonly cfg: Pick<NotifyConfig, 'rate' | 'total'>) {}

  private overTotal(now: number, r: Rate): boolean {
    this.sent = this.sent.filter((t) => now - t < r.perMs);
    return this.sent.length >= r.count;
  }

  /** Whether `n` may go out now. */
  admit(n: Notice, now: number): Verdict {
    const key = `${n.event}\0${n.agent ?? ''}`;
    let w = this.windows.get(key);
    if (w && now - w.start >= this.cfg.rate.perMs && !w.held) (this.windows.delete(key), (w = undefined));
    if (w && w.sent >= this.cfg.rate.count) {
      w.held++;
      w.last = n;
      return 'held';
    }
    if (this.overTotal(now, this.cfg.total)) {
      if (this.heldTotal === 0) this.totalSince = now;
      this.heldTotal++;
      return 'held';
    }
    if (w) w.sent++;
    else this.windows.set(key, { start: now, sent: 1, held: 0, last: null });
    this.sent.push(now);
    return 'send';
  }

  /** The summaries whose windows have passed: "N more" per (event, agent), and one for the overall cap. */
  due(now: number): Notice[] {
    const out: Notice[] = [];
    for (const [key, w] of this.windows) {
      if (now - w.start < this.cfg.rate.perMs) continue;
      this.windows.delete(key);
      if (!w.held || !w.last) continue;
      const l = w.last;
      out.push({
        event: l.event,
        agent: l.agent,
        title: l.title,
        urgency: l.urgency,
        body: `${w.held} more like this in the last ${Math.round((now - w.start) / 1000)} s; the latest: ${l.body}`,
      });
      // The summary opens the next window, so a loop that goes on makes one summary per window.
      this.windows.set(key, { start: now, sent: 1, held: 0, last: null });
    }
    if (this.heldTotal && !this.overTotal(now, this.cfg.total)) {
      out.push({
        event: 'agent_failed',
        agent: null,
        title: 'agor: notifications held back',
        body: `${this.heldTotal} more in the last ${Math.round((now - this.totalSince) / 1000)} s, over the limit of ${this.cfg.total.count}; see the log or the dashboard`,
        urgency: 'normal',
      });
      this.heldTotal = 0;
    }
    for (let i = 0; i < out.length; i++) this.sent.push(now);
    return out;
  }

  /** Whether summaries are waiting (the caller keeps a timer only then). */
  get pending(): boolean {
    if (this.heldTotal) return true;
    for (const w of this.windows.values()) if (w.held) return true;
    return false;
  }
}
