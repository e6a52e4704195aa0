import { CronExpressionParser } from 'cron-parser';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/open.js';
import { getSupervisor, scheduleState } from '../db/runs.js';
import { clockFromEnv } from './clock.js';
import { CONFIG_FILE, type Schedule, loadConfig } from './config.js';

/** How a schedule is known in the database: its cron expression and time zone. */
export const scheduleKey = (s: Pick<Schedule, 'cron' | 'tz'>): string => `${s.cron}@${s.tz}`;

/** The first slot strictly after `now` (Unix ms). */
export function nextSlot(s: Pick<Schedule, 'cron' | 'tz'>, now: number): number {
  return CronExpressionParser.parse(s.cron, { tz: s.tz, currentDate: new Date(now) })
    .next()
    .getTime();
}

/** The last slot at or before `now` (Unix ms). */
export function lastSlot(s: Pick<Schedule, 'cron' | 'tz'>, now: number): number {
  return CronExpressionParser.parse(s.cron, { tz: s.tz, currentDate: new Date(now + 1) })
    .prev()
    .getTime();
}

export type ScheduleDecision = { fire: false; record: number | null } | { fire: true; slot: number; missed: number };

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

/** One schedule of agor.yaml as `agor schedule list --json` shows it. */
export interface ScheduleView {
  agent: string;
  cron: string;
  tz: string;
  prompt: string;
  timeout_s: number;
  /** ISO time of the slot it last fired for; null before its first firing. */
  last_fired_at: string | null;
  fired: number;
  next_at: string;
}

export interface ScheduleListOptions {
  /** -f; without it ./agor.yaml, else the file the running supervisor was started with. */
  file?: string;
  cwd?: string;
  /** Unix ms; default the supervisor's clock (AGOR_CLOCK). */
  now?: number;
}

/** The schedules of a group's agor.yaml, with when each last fired and fires next. */
export function listSchedules(db: Db, o: ScheduleListOptions = {}): { file: string; schedules: ScheduleView[] } {
  const cwd = o.cwd ?? process.cwd();
  const file = o.file ?? (existsSync(join(cwd, CONFIG_FILE)) ? undefined : (getSupervisor(db)?.config ?? undefined));
  const cfg = loadConfig(file, cwd);
  const now = o.now ?? clockFromEnv().now();
  const schedules = cfg.agents.flatMap((a) =>
    a.schedules.map((s) => {
      const st = scheduleState(db, a.id, scheduleKey(s));
      // A row with fired = 0 only records when the schedule was first seen.
      const last = st && st.fired > 0 ? st.last_fired_at : null;
      return {
        agent: a.id,
        cron: s.cron,
        tz: s.tz,
        prompt: s.prompt,
        timeout_s: Math.round(s.timeoutMs / 1000),
        last_fired_at: last === null ? null : new Date(last).toISOString(),
        fired: st?.fired ?? 0,
        next_at: new Date(nextSlot(s, now)).toISOString(),
      };
    }),
  );
  return { file: cfg.file, schedules };
}
