import { usage } from '../core/errors.js';

/**
 * The supervisor's clock. AGOR_CLOCK=<ISO time> starts it at that instant and lets it run
 * at real speed: how tests (and a curious operator) see a schedule fire at 09:00 or a
 * budget reset at midnight without waiting for either. AGOR_CLOCK=<ISO time>@<Unix ms>
 * says the clock read that time at that wall-clock instant, so that several processes
 * (the supervisor, its agents' `agor report`, `agor budget`) share one clock; the first
 * process to read a bare AGOR_CLOCK anchors it that way for the processes it starts.
 * Never set it in production.
 */
export interface Clock {
  now(): number;
}

const realClock: Clock = { now: () => Date.now() };

export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const at = env.AGOR_CLOCK;
  if (!at) return realClock;
  const [time, anchor] = at.split('@');
  const start = Date.parse(time!);
  const wall = anchor === undefined ? Date.now() : Number(anchor);
  if (Number.isNaN(start) || !Number.isFinite(wall))
    throw usage(`AGOR_CLOCK is not a time: '${at}'`, 'give an ISO 8601 time such as 2026-01-05T08:59:58Z (optionally @ the Unix ms it was read at), or unset it');
  if (anchor === undefined) env.AGOR_CLOCK = `${time}@${wall}`;
  const offset = start - wall;
  return { now: () => Date.now() + offset };
}

/** AGOR_CLOCK for the processes agor starts (an agent's `agor report` charges budgets by it), when it is set. */
export const clockEnv = (env: NodeJS.ProcessEnv = process.env): { AGOR_CLOCK?: string } => (env.AGOR_CLOCK ? { AGOR_CLOCK: env.AGOR_CLOCK } : {});
