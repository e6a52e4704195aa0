import { describe, expect, it } from 'vitest';
import { lastSlot, nextSlot, scheduleDue, scheduleKey } from '../../../src/supervisor/schedule.js';

const at = (iso: string) => Date.parse(iso);
const DAILY_9_UTC = { cron: '0 9 * * *', tz: 'UTC' };

describe('schedule slots', () => {
  it('are keyed by cron expression and time zone', () => {
    expect(scheduleKey({ cron: '0 9 * * 1-5', tz: 'Europe/Berlin' })).toBe('0 9 * * 1-5@Europe/Berlin');
  });

  it('next is the first slot strictly after now; last is the latest at or before now', () => {
    expect(nextSlot(DAILY_9_UTC, at('2026-01-05T08:59:58Z'))).toBe(at('2026-01-05T09:00:00Z'));
    expect(nextSlot(DAILY_9_UTC, at('2026-01-05T09:00:00Z'))).toBe(at('2026-01-06T09:00:00Z'));
    expect(lastSlot(DAILY_9_UTC, at('2026-01-05T09:00:00Z'))).toBe(at('2026-01-05T09:00:00Z'));
    expect(lastSlot(DAILY_9_UTC, at('2026-01-05T08:59:59.999Z'))).toBe(at('2026-01-04T09:00:00Z'));
  });

  it('honour the time zone: 09:00 in Berlin is 08:00Z in winter and 07:00Z in summer', () => {
    const berlin = { cron: '0 9 * * *', tz: 'Europe/Berlin' };
    expect(nextSlot(berlin, at('2026-01-05T00:00:00Z'))).toBe(at('2026-01-05T08:00:00Z'));
    expect(nextSlot(berlin, at('2026-07-06T00:00:00Z'))).toBe(at('2026-07-06T07:00:00Z'));
    expect(lastSlot(berlin, at('2026-01-05T08:30:00Z'))).toBe(at('2026-01-05T08:00:00Z'));
    // The same wall-clock minute in New York is hours later.
    expect(nextSlot({ cron: '0 9 * * *', tz: 'America/New_York' }, at('2026-01-05T00:00:00Z'))).toBe(at('2026-01-05T14:00:00Z'));
  });

  it('skip the weekend for a weekday schedule', () => {
    const weekdays = { cron: '30 6 * * 1-5', tz: 'UTC' };
    // Friday 2026-01-09 after 06:30: next is Monday the 12th.
    expect(nextSlot(weekdays, at('2026-01-09T12:00:00Z'))).toBe(at('2026-01-12T06:30:00Z'));
  });
});

describe('scheduleDue', () => {
  it('records now for a schedule never seen before, without firing: history is not replayed', () => {
    const now = at('2026-01-05T10:00:00Z');
    expect(scheduleDue(DAILY_9_UTC, null, now)).toEqual({ fire: false, record: now });
  });

  it('fires nothing before the next slot', () => {
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-05T09:00:00Z'), at('2026-01-05T10:00:00Z'))).toEqual({ fire: false, record: null });
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-05T08:59:58Z'), at('2026-01-05T08:59:59.999Z'))).toEqual({ fire: false, record: null });
    // First seen (recorded) just after a slot: that slot is not due.
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-05T09:00:30Z'), at('2026-01-05T09:00:45Z'))).toEqual({ fire: false, record: null });
  });

  it('fires at the slot itself, for that slot', () => {
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-05T08:59:58Z'), at('2026-01-05T09:00:00Z'))).toEqual({ fire: true, slot: at('2026-01-05T09:00:00Z'), missed: 1 });
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-05T08:59:58Z'), at('2026-01-05T09:00:01.500Z'))).toEqual({
      fire: true,
      slot: at('2026-01-05T09:00:00Z'),
      missed: 1,
    });
  });

  it('fires slots missed during downtime once, as the newest, counting them', () => {
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-02T09:00:00Z'), at('2026-01-05T10:00:00Z'))).toEqual({ fire: true, slot: at('2026-01-05T09:00:00Z'), missed: 3 });
    // Before today's slot, the newest missed one is yesterday's.
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-02T09:00:00Z'), at('2026-01-05T08:00:00Z'))).toEqual({ fire: true, slot: at('2026-01-04T09:00:00Z'), missed: 2 });
    // Once fired for that slot, it is not due again until the next one.
    expect(scheduleDue(DAILY_9_UTC, at('2026-01-05T09:00:00Z'), at('2026-01-05T10:00:00Z'))).toMatchObject({ fire: false });
  });

  it('counts missed slots in the schedule’s own time zone', () => {
    const berlin = { cron: '0 9 * * *', tz: 'Europe/Berlin' };
    // Fired Jan 2 at 08:00Z (09:00 Berlin); at 08:30Z on Jan 5 three more slots have passed.
    expect(scheduleDue(berlin, at('2026-01-02T08:00:00Z'), at('2026-01-05T08:30:00Z'))).toEqual({ fire: true, slot: at('2026-01-05T08:00:00Z'), missed: 3 });
    // At 07:30Z it is still 08:30 in Berlin: today's slot has not come.
    expect(scheduleDue(berlin, at('2026-01-02T08:00:00Z'), at('2026-01-05T07:30:00Z'))).toEqual({ fire: true, slot: at('2026-01-04T08:00:00Z'), missed: 2 });
  });

  it('fires once even after a long downtime of a frequent schedule', () => {
    const everyMinute = { cron: '* * * * *', tz: 'UTC' };
    const d = scheduleDue(everyMinute, at('2026-01-01T00:00:00Z'), at('2026-01-01T02:00:30Z'));
    expect(d).toEqual({ fire: true, slot: at('2026-01-01T02:00:00Z'), missed: 120 });
  });

  it('fires a daily slot once on the day the clocks go back, whenever the supervisor restarts', () => {
    // 02:30 in Berlin happens twice on 2026-10-25: at 00:30Z (CEST) and at 01:30Z (CET).
    // The schedule fired at the first; later that day nothing is due until the next day's slot.
    const s = { cron: '30 2 * * *', tz: 'Europe/Berlin' };
    expect(nextSlot(s, at('2026-10-25T00:30:00Z'))).toBe(at('2026-10-26T01:30:00Z'));
    for (const now of ['2026-10-25T01:45:00Z', '2026-10-25T12:00:00Z', '2026-10-26T01:00:00Z']) {
      expect(scheduleDue(s, at('2026-10-25T00:30:00Z'), at(now)), `at ${now}`).toEqual({ fire: false, record: null });
    }
  });
});
