import { usage } from '../core/errors.js';

/**
 * The supervisor's clock. AGOR_CLOCK=<ISO time> starts it at that instant and lets it run
 * at real speed: how tests (and a curious operator) see a schedule fire at 09:00
 * without waiting for 09:00. Never set it in production.
 */
export interface Clock {
  now(): number;
}

const realClock: Clock = { now: () => Date.now() };

export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const at = env.AGOR_CLOCK;
  if (!at) return realClock;
  const start = Date.parse(at);
  if (Number.isNaN(start)) throw usage(`AGOR_CLOCK is not a time: '${at}'`, 'give an ISO 8601 time such as 2026-01-05T08:59:58Z, or unset it');
  const offset = start - Date.now();
  return { now: () => Date.now() + offset };
}
