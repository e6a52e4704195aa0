import { describe, expect, it } from 'vitest';
import { durationMs, formatDuration, parseDuration, parseSince } from '../../../src/core/durations.js';
import { UserError } from '../../../src/core/errors.js';

describe('the one duration grammar', () => {
  it.each([
    ['90', 90_000],
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    [' 2H ', 7_200_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(['', 'soon', '1h30m', '-5s', '5 minutes', '1e3', '5y'])('refuses %j', (text) => {
    expect(durationMs(text)).toBeUndefined();
    expect(() => parseDuration(text, 'timeout')).toThrow(UserError);
  });

  it('gives seconds on the command line, milliseconds included', () => {
    expect(parseDuration('1w')).toBe(604_800);
    expect(parseDuration('500ms')).toBe(0.5);
  });

  it('says what was wrong and what to write instead', () => {
    try {
      parseDuration('soon', 'lease');
      expect.unreachable();
    } catch (e) {
      expect((e as UserError).message).toBe("invalid lease 'soon'");
      expect((e as UserError).hint).toMatch(/500ms.*1w/);
    }
  });

  it.each([
    [0, '0s'],
    [1500, '1500ms'],
    [30_000, '30s'],
    [900_000, '15m'],
    [86_400_000, '1d'],
    [604_800_000, '7d'],
  ])('writes %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(durationMs(text)).toBe(ms);
  });

  it('takes a since of milliseconds as well as weeks', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(parseSince('1w', now)).toBe('2026-11-28 12:00:00');
    expect(parseSince('1500ms', now)).toBe('2026-12-05 11:59:58');
  });
});
