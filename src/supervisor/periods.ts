/** Budget periods: a day starts at local midnight, a month on its 1st, in the group's time zone. */

export type Period = 'daily' | 'monthly';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date of instant `ms` in `tz`. */
export function localDate(ms: number, tz: string): { y: number; m: number; d: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day) };
}

const dayKey = (x: { y: number; m: number; d: number }) => x.y * 10_000 + x.m * 100 + x.d;

/**
 * The first instant of local date y-m-d in `tz` (m from 1; days and months past their end
 * roll over). Found by bisection rather than by offset arithmetic, so a day whose midnight
 * does not exist (clocks jump forward at 00:00) starts when the jump lands.
 */
export function startOfLocalDay(y: number, m: number, d: number, tz: string): number {
  const norm = new Date(Date.UTC(y, m - 1, d));
  const want = dayKey({ y: norm.getUTCFullYear(), m: norm.getUTCMonth() + 1, d: norm.getUTCDate() });
  // Every zone's offset is within ±14 h of UTC, and a second is as fine as zones get.
  let lo = norm.getTime() - 15 * 3_600_000;
  let hi = norm.getTime() + 15 * 3_600_000;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (dayKey(localDate(mid, tz)) >= want) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** When the period holding `now` began. */
export function periodStart(now: number, tz: string, period: Period): number {
  const t = localDate(now, tz);
  return startOfLocalDay(t.y, t.m, period === 'daily' ? t.d : 1, tz);
}

/** When the period holding `now` ends (the next one begins). */
export function periodEnd(now: number, tz: string, period: Period): number {
  const t = localDate(now, tz);
  return period === 'daily' ? startOfLocalDay(t.y, t.m, t.d + 1, tz) : startOfLocalDay(t.y, t.m + 1, 1, tz);
}
