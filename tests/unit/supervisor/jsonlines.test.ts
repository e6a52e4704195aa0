import { describe, expect, it } from 'vitest';
import { LINE_TOO_LARGE, LineSplitter } from '../../../src/supervisor/jsonlines.js';

describe('the control socket line splitter', () => {
  it('returns each complete line once and keeps a partial line until its end arrives', () => {
    const s = new LineSplitter();
    expect(s.take('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(s.take(':2}')).toEqual([]);
    expect(s.take('\n\n{"c":3}\n')).toEqual(['{"b":2}', '', '{"c":3}']);
  });

  it('joins a multi-byte character split across pieces', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('"héllo"\n');
    expect(s.take(bytes.subarray(0, 3))).toEqual([]);
    expect(s.take(bytes.subarray(3))).toEqual(['"héllo"']);
  });

  it('answers a line over the limit as too large once, and goes on with the next line', () => {
    const s = new LineSplitter(10);
    s.push('x'.repeat(8));
    expect(s.next()).toBeNull();
    s.push('x'.repeat(8));
    expect(s.next()).toBe(LINE_TOO_LARGE);
    s.push('x'.repeat(100));
    expect(s.next()).toBeNull();
    s.push('xx\nok\n');
    expect(s.next()).toBe('ok');
    expect(s.next()).toBeNull();
  });

  it('answers a complete line over the limit as too large', () => {
    const s = new LineSplitter(4);
    s.push('12345\n1234\n');
    expect(s.next()).toBe(LINE_TOO_LARGE);
    expect(s.next()).toBe('1234');
  });

  it('tells whether a complete line is waiting', () => {
    const s = new LineSplitter();
    s.push('abc');
    expect(s.hasLine()).toBe(false);
    s.push('d\ne');
    expect(s.hasLine()).toBe(true);
    expect(s.next()).toBe('abcd');
    expect(s.hasLine()).toBe(false);
  });
});
