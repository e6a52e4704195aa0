import { describe, expect, it } from 'vitest';
import { periodEnd, periodStart, startOfLocalDay } from '../../../src/supervisor/periods.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();

describe('budget periods in the group’s time zone', () => {
  it('starts a day at local midnight and ends it at the next, not at UTC midnight', () => {
    const now = at('2026-01-15T22:30:00Z'); // 23:30 in Berlin (UTC+1)
    expect(iso(periodStart(now, 'Europe/Berlin', 'daily'))).toBe('2026-01-14T23:00:00.000Z');
    expect(iso(periodEnd(now, 'Europe/Berlin', 'daily'))).toBe('2026-01-15T23:00:00.000Z');
    // Half an hour later it is the 16th in Berlin, still the 15th in UTC.
    expect(iso(periodStart(at('2026-01-15T23:30:00Z'), 'Europe/Berlin', 'daily'))).toBe('2026-01-15T23:00:00.000Z');
    expect(iso(periodStart(at('2026-01-15T23:30:00Z'), 'UTC', 'daily'))).toBe('2026-01-15T00:00:00.000Z');
  });

  it('makes the day the clocks go forward 23 hours long, and the day they go back 25', () => {
    // Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
    const spring = at('2026-03-29T12:00:00Z');
    expect(iso(periodStart(spring, 'Europe/Berlin', 'daily'))).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(periodEnd(spring, 'Europe/Berlin', 'daily'))).toBe('2026-03-29T22:00:00.000Z');
    const autumn = at('2026-10-25T12:00:00Z');
    expect(periodEnd(autumn, 'Europe/Berlin', 'daily') - periodStart(autumn, 'Europe/Berlin', 'daily')).toBe(25 * 3_600_000);
    // New York goes forward on 2026-03-08 at 02:00 EST.
    const ny = at('2026-03-08T18:00:00Z');
    expect(periodEnd(ny, 'America/New_York', 'daily') - periodStart(ny, 'America/New_York', 'daily')).toBe(23 * 3_600_000);
  });

  it('starts a day whose midnight does not exist when the clocks land', () => {
    // America/Santiago jumps from 2026-09-06 00:00 (-04) to 01:00 (-03).
    expect(iso(startOfLocalDay(2026, 9, 6, 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
    expect(iso(periodStart(at('2026-09-06T15:00:00Z'), 'America/Santiago', 'daily'))).toBe('2026-09-06T04:00:00.000Z');
  });

  it('starts a month on its 1st and ends it at the next 1st, over year ends, leap days and zones ahead of UTC', () => {
    const end = at('2026-01-31T20:00:00Z'); // already 1 February 05:00 in Tokyo
    expect(iso(periodStart(end, 'Asia/Tokyo', 'monthly'))).toBe('2026-01-31T15:00:00.000Z');
    expect(iso(periodStart(end, 'UTC', 'monthly'))).toBe('2026-01-01T00:00:00.000Z');
    expect(iso(periodEnd(end, 'UTC', 'monthly'))).toBe('2026-02-01T00:00:00.000Z');
    expect(iso(periodEnd(at('2026-12-31T12:00:00Z'), 'Europe/Berlin', 'monthly'))).toBe('2026-12-31T23:00:00.000Z');
    expect(iso(periodEnd(at('2028-02-29T12:00:00Z'), 'UTC', 'daily'))).toBe('2028-03-01T00:00:00.000Z');
    // A month over the spring change: March in Berlin starts at +1 and ends at +2.
    expect(iso(periodStart(at('2026-03-30T00:00:00Z'), 'Europe/Berlin', 'monthly'))).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(periodEnd(at('2026-03-30T00:00:00Z'), 'Europe/Berlin', 'monthly'))).toBe('2026-03-31T22:00:00.000Z');
  });
});
