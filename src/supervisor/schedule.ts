import { CronExpressionParser } from 'cron-parser';
import type { Schedule } from './config.js';

/** How a schedule is known in the database: its cron expression and time zone. */
export const scheduleKey = (s: Pick<Schedule, 'cron' | 'tz'>): string => `${s.cron}@${s.tz}`;

/** The first slot strictly after `now` (Unix ms). */
export function nextSlot(s: Pick<Schedule, 'cron' | 'tz'>, now: number): number {
  return CronExpressionParser.parse(s.cron, { tz: s.tz, currentDate: new Date(now) }).next().getTime();
}

/** The last slot at or before `now` (Unix ms). */
export function lastSlot(s: Pick<Schedule, 'cron' | 'tz'>, now: number): number {
  return CronExpressionParser.parse(s.cron, { tz: s.tz, currentDate: new Date(now + 1) }).prev().getTime();
}

export type ScheduleDecision =
  | { fire: false; record: number | null }
  | { fire: true; slot: number; missed: number };

/**
 * Whether a schedule fires now, given the slot it last fired for. A schedule never seen
 * before starts counting from now (it does not replay its history). After downtime the
 * slots missed since the last firing fire once, as the newest of them; `missed` says how
 * many there were.
 */
export function scheduleDue(s: Pick<Schedule, 'cron' | 'tz'>, lastFired: number | null, now: number): ScheduleDecision {
  if (lastFired === null) return { fire: false, record: now };
  // Walk forward from the last firing, the way the tick does: prev() can name a slot that
  // next() never yields (the repeated hour when clocks go back), which would fire twice.
  const it = CronExpressionParser.parse(s.cron, { tz: s.tz, currentDate: new Date(lastFired) });
  let slot: number | null = null;
  let missed = 0;
  for (;;) {
    const t = it.next().getTime();
    if (t > now) break;
    slot = t;
    if (++missed >= 10_000) {
      slot = lastSlot(s, now);
      break;
    }
  }
  return slot === null ? { fire: false, record: null } : { fire: true, slot, missed };
}
