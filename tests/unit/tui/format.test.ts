import { describe, expect, test } from 'vitest';
import { cellWidth, clean, duration, fit, parseTime, sparkline, truncate, truncateLeft, windowStart, wrap } from '../../../src/tui/format.js';
import { makeTheme, utf8Terminal } from '../../../src/tui/theme.js';

describe('text helpers', () => {
  test('truncate cuts to the width with the ellipsis given, and leaves short text alone', () => {
    expect(truncate('worker-1', 10, '…')).toBe('worker-1');
    expect(truncate('a long agent name', 8, '…')).toBe('a long …');
    expect(truncate('a long agent name', 8, '~')).toBe('a long ~');
    expect(truncateLeft('/home/op/.local/share/agor/agor.db', 12, '…')).toBe('…gor/agor.db');
  });

  test('fit pads to exactly the width, counting wide characters as two cells', () => {
    expect(fit('ab', 4, '…')).toBe('ab  ');
    expect(fit('ab', 4, '…', true)).toBe('  ab');
    expect(cellWidth('日本')).toBe(4);
    expect(cellWidth('⚠')).toBe(2);
    expect(cellWidth(fit('日本語テキスト', 7, '…'))).toBeLessThanOrEqual(7);
  });

  test('clean drops escape sequences and control characters, and makes ASCII when asked', () => {
    expect(clean('\x1b[1;31mbold red\x1b[0m\ttab\nline\x07', false)).toBe('bold red tab line');
    expect(clean('\x1b]0;set title\x07after', false)).toBe('after');
    expect(clean('café ☕ — ok', true)).toBe('caf? ? ? ok');
  });

  test('wrap breaks at word ends and cuts words longer than the line', () => {
    expect(wrap('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrap('one\ntwo', 10)).toEqual(['one', 'two']);
  });

  test('duration is at most six cells', () => {
    expect(duration(45)).toBe('45s');
    expect(duration(725)).toBe('12m05s');
    expect(duration(3 * 3600 + 5 * 60)).toBe('3h05m');
    expect(duration(2 * 86400 + 4 * 3600)).toBe('2d04h');
    expect(duration(null)).toBe('-');
    for (const s of [0, 59, 3599, 86399, 99 * 86400, 1000 * 86400]) expect(duration(s).length).toBeLessThanOrEqual(6);
  });

  test('parseTime reads ISO times and SQLite UTC text alike', () => {
    expect(parseTime('2026-01-02 03:04:05')).toBe(Date.parse('2026-01-02T03:04:05Z'));
    expect(parseTime('2026-01-02T03:04:05.000Z')).toBe(Date.parse('2026-01-02T03:04:05Z'));
    expect(parseTime(null)).toBeNull();
    expect(parseTime('not a time')).toBeNull();
  });

  test('sparkline scales to the largest value and leaves gaps for missing ones', () => {
    const levels = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    expect(sparkline([0, 4, 14, null], levels)).toBe('▁▃█ ');
    expect(sparkline([0, 0], levels)).toBe('▁▁');
    expect(sparkline([1, 2, 4], ['_', '.', ',', '-', '=', '+', '*', '#'])).toMatch(/^[_.,\-=+*#]{3}$/);
  });

  test('windowStart keeps the selection inside the visible rows', () => {
    expect(windowStart(0, 100, 10)).toBe(0);
    expect(windowStart(50, 100, 10)).toBe(45);
    expect(windowStart(99, 100, 10)).toBe(90);
    expect(windowStart(3, 5, 10)).toBe(0);
  });
});

describe('the theme', () => {
  test('UTF-8 comes from LC_ALL, then LC_CTYPE, then LANG; unset means ASCII', () => {
    expect(utf8Terminal({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(utf8Terminal({ LANG: 'en_US.utf8' })).toBe(true);
    expect(utf8Terminal({ LANG: 'C' })).toBe(false);
    expect(utf8Terminal({})).toBe(false);
    expect(utf8Terminal({ LANG: 'en_US.UTF-8', LC_CTYPE: 'POSIX' })).toBe(false);
    expect(utf8Terminal({ LANG: 'C', LC_ALL: 'C.UTF-8' })).toBe(true);
    expect(utf8Terminal({ LANG: 'en_US.UTF-8', TERM: 'dumb' })).toBe(false);
  });

  test('NO_COLOR turns every tone into no colour at all', () => {
    const off = makeTheme({ LANG: 'C.UTF-8', NO_COLOR: '1', FORCE_COLOR: '3' }, { isTTY: true });
    expect(off.color).toBe(false);
    expect(off.tone('bad')).toBeUndefined();
    expect(off.emphasis).toBe(false);
    const on = makeTheme({ LANG: 'C.UTF-8' }, { isTTY: true });
    expect(on.tone('bad')).toBe('red');
    expect(on.tone('warn')).toBe('yellow');
  });

  test('each activity state has its own dot, in Unicode and in ASCII', () => {
    const states = ['running', 'idle', 'stalled', 'failed', 'dormant', 'inactive'];
    const u = makeTheme({ LANG: 'C.UTF-8' }, {});
    const a = makeTheme({ LANG: 'C' }, {});
    expect(new Set(states.map(u.dot)).size).toBe(6);
    expect(new Set(states.map(a.dot)).size).toBe(6);
    expect(states.map(a.dot).join('')).toMatch(/^[\x20-\x7e]+$/);
    expect(a.g.spark.join('') + a.g.cursor + a.g.ellipsis + a.g.flag).toMatch(/^[\x20-\x7e]+$/);
  });
});
