/** Turning wakes into runs: pending wakes, the smart strategy and the wake scorer, manual wakes, cron schedules firing. */
import { writeTx } from '../db/open.js';
import { unreadCount } from '../db/messages.js';
import * as R from '../db/runs.js';
import { pendingWakesAfter, pressuredRunCount, readyTaskCount, reviewTaskCount, runCostSince } from '../db/supervisor.js';
import type { Db } from '../db/open.js';
import { ROLE_TIERS } from '../core/roles.js';
import type { AgentConfig } from './config.js';
import { type Ctx, type Slot, iso } from './context.js';
import { nextSlot, scheduleDue, scheduleKey } from './schedule.js';
import { type WakeSignal, wakeScore } from './scoring.js';

/** A smart agent is woken by the scorer at most this often. */
const SCORER_COOLDOWN_MS = 10 * 60_000;
/** Wakes that always pass a smart agent's threshold: someone asked for this run. */
const EXPLICIT = ['manual', 'schedule', 'retry', 'scorer'];

/** What a wake prompt tells the agent of its queue; counted up to 1000, which a prompt says as well as any larger number. */
export function wakeContext(db: Db, agent: string): { unread: number; ready: number; review: number } {
  return { unread: unreadCount(db, agent), ready: readyTaskCount(db, agent, 1000), review: reviewTaskCount(db, 1000) };
}

export class Wakeups {
  private lastWakeId = 0;

  constructor(
    private readonly ctx: Ctx,
    /** Starts a run of a dormant agent for its wakes. */
    private readonly start: (slot: Slot) => void,
  ) {}

  /** Fires the schedules missed while no supervisor ran (once each) and plans the next slots. */
  init(): void {
    const { ctx } = this;
    const now = ctx.now();
    for (const slot of ctx.slots.values()) {
      for (const s of slot.cfg.schedules) {
        const key = scheduleKey(s);
        const last = R.scheduleLastFired(ctx.db, slot.cfg.id, key);
        const d = scheduleDue(s, last, now);
        if (d.fire) this.fireSchedule(slot, s, key, d.slot, d.missed);
        else if (d.record !== null) {
          const rec = d.record;
          ctx.writes.write(`schedule ${key} of ${slot.cfg.id}`, () => R.setScheduleFired(ctx.db, slot.cfg.id, key, rec, false));
        }
        slot.schedules.push({ key, s, next: nextSlot(s, now) });
      }
    }
    this.lastWakeId = R.maxWakeId(ctx.db);
  }

  /** The tick's part: fires the schedules of `slot` whose slot has come. */
  tickSchedules(slot: Slot, now: number): void {
    for (const sch of slot.schedules) {
      if (now >= sch.next) {
        const d = scheduleDue(sch.s, R.scheduleLastFired(this.ctx.db, slot.cfg.id, sch.key), now);
        if (d.fire) this.fireSchedule(slot, sch.s, sch.key, d.slot, d.missed);
        sch.next = nextSlot(sch.s, now);
      }
    }
  }

  private fireSchedule(slot: Slot, s: AgentConfig['schedules'][number], key: string, at: number, missed: number): void {
    const { ctx } = this;
    const detail = `${s.cron} (${s.tz}) for ${iso(at)}${missed > 1 ? `, ${missed} slots missed while down` : ''}`;
    ctx.writes.write(`schedule ${key} of ${slot.cfg.id}`, () =>
      writeTx(ctx.db, () => {
        R.setScheduleFired(ctx.db, slot.cfg.id, key, at);
        R.insertWake(ctx.db, { agent: slot.cfg.id, reason: 'schedule', detail, prompt: s.prompt, timeout_ms: s.timeoutMs });
      }),
    );
    ctx.o.log(`${slot.cfg.id}: schedule ${detail} fired`);
  }

  /** Starts runs for dormant agents with pending wakes; running agents get theirs after. */
  check(): void {
    const { ctx } = this;
    if (ctx.shuttingDown()) return;
    const pending = R.pendingWakeCounts(ctx.db);
    for (const p of pending) {
      const slot = ctx.slots.get(p.agent);
      if (!slot) continue;
      if (p.last > this.lastWakeId) {
        for (const w of pendingWakesAfter(ctx.db, p.agent, this.lastWakeId)) {
          ctx.emit({ event: 'wake', at: iso(ctx.now())!, agent: p.agent, wake: w.id, reason: w.reason, detail: w.detail });
        }
      }
      if (slot.run || slot.timer || ctx.startQueue.includes(slot.cfg.id) || !slot.enabled || slot.state === 'failed') continue;
      // A service that is not running (stopped) gets its wakes when it next starts.
      if (slot.cfg.mode === 'service') continue;
      ctx.safe(slot.cfg.id, () => {
        if (slot.cfg.wake.strategy === 'smart' && !this.smartAllows(slot)) return;
        this.start(slot);
      });
    }
    this.lastWakeId = Math.max(this.lastWakeId, ...pending.map((p) => p.last), 0);
  }

  /** Explicit wakes always pass; message and task wakes must reach the agent's threshold. */
  private smartAllows(slot: Slot): boolean {
    const wakes = R.pendingWakes(this.ctx.db, slot.cfg.id);
    if (wakes.some((w) => EXPLICIT.includes(w.reason))) return true;
    const { score } = wakeScore(this.signals(slot, wakes));
    return score >= slot.cfg.wake.threshold;
  }

  /** The wake signals active for one agent now (architecture: wakes and schedules). */
  private signals(slot: Slot, wakes: R.WakeRow[]): WakeSignal[] {
    const { db } = this.ctx;
    const out: WakeSignal[] = [];
    const id = slot.cfg.id;
    const tier1 = ROLE_TIERS[slot.cfg.role] === 1;
    const others = [...this.ctx.slots.values()].filter((s) => s !== slot);
    if (tier1 && others.some((s) => s.state === 'stalled' || s.state === 'failed')) out.push('attention_spike');
    if (tier1 && pressuredRunCount(db, 0.75) >= 2) out.push('context_pressure_cluster');
    const now = this.ctx.now();
    const cost = runCostSince(db, now - 3_600_000, now - 86_400_000);
    if (tier1 && cost.hour && cost.day && cost.hour > (2 * cost.day) / 24 && cost.day > cost.hour) out.push('burn_rate_anomaly');
    const ctx = wakeContext(db, id);
    if (ctx.ready >= 3 || wakes.some((w) => w.reason === 'task')) out.push('task_queue_pressure');
    if ((['reviewer', 'manager'].includes(slot.cfg.role) && ctx.review >= 3) || wakes.some((w) => w.reason === 'review')) out.push('review_backlog');
    const last = R.latestRun(db, id);
    if (wakes.length && (!last || (last.ended_at ?? now) < now - 3_600_000)) out.push('periodic_floor');
    return out;
  }

  /** The wake scorer: wakes a dormant smart agent when its signals alone pass its threshold. */
  runScorer(): void {
    const { ctx } = this;
    if (ctx.shuttingDown()) return;
    const now = Date.now();
    for (const slot of ctx.slots.values()) {
      if (slot.cfg.wake.strategy !== 'smart' || slot.run || slot.timer || !slot.enabled || slot.state === 'failed') continue;
      if (now - slot.lastScorerWake < SCORER_COOLDOWN_MS) continue;
      const { score, signal } = wakeScore(this.signals(slot, []));
      if (signal && score >= slot.cfg.wake.threshold) {
        slot.lastScorerWake = now;
        const wake = { agent: slot.cfg.id, reason: 'scorer', detail: `${signal} (score ${score})`, prompt: null, timeout_ms: null };
        ctx.writes.write(`a scorer wake of ${slot.cfg.id}`, () => R.insertWake(ctx.db, wake));
      }
    }
    this.check();
  }

  /** A manual wake from the operator (agor start or restart of an on-demand agent). */
  deliverManual(slot: Slot, why: string): void {
    const { ctx } = this;
    const wake = { agent: slot.cfg.id, reason: 'manual', detail: why, prompt: null, timeout_ms: null };
    // Once written, the file watcher sees it too; checking now saves the debounce.
    if (ctx.writes.write(`a wake of ${slot.cfg.id}`, () => R.insertWake(ctx.db, wake))) this.check();
  }
}
