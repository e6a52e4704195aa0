import type { Key } from 'ink';
import { describe, expect, test } from 'vitest';
import { isTextRun, parseKey, splitKeys } from '../../../src/tui/keys.js';
// Ink's own reader, by path: its package exports only the index.
import parseKeypress, { nonAlphanumericKeys } from '../../../node_modules/ink/build/parse-keypress.js';

/** What Ink 5's useInput hands its handler for a chunk (node_modules/ink/build/hooks/use-input.js). */
function inkReads(data: string): { input: string; key: Key } {
  const k = parseKeypress(data);
  const key: Key = {
    upArrow: k.name === 'up',
    downArrow: k.name === 'down',
    leftArrow: k.name === 'left',
    rightArrow: k.name === 'right',
    pageDown: k.name === 'pagedown',
    pageUp: k.name === 'pageup',
    return: k.name === 'return',
    escape: k.name === 'escape',
    ctrl: k.ctrl,
    shift: k.shift,
    tab: k.name === 'tab',
    backspace: k.name === 'backspace',
    delete: k.name === 'delete',
    meta: k.meta || k.name === 'escape' || k.option,
  };
  let input = k.ctrl ? k.name : k.sequence;
  if (nonAlphanumericKeys.includes(k.name)) input = '';
  if (input.startsWith('\x1b')) input = input.slice(1);
  if (input.length === 1 && /[A-Z]/.test(input[0]!)) key.shift = true;
  return { input, key };
}

const KEYS = [
  '\x1b[A',
  '\x1b[B',
  '\x1b[C',
  '\x1b[D',
  '\x1bOA',
  '\x1bOB',
  '\x1b[5~',
  '\x1b[6~',
  '\x1b[3~',
  '\x1b[H',
  '\x1b[F',
  '\x1b[Z',
  '\x1b[1;5A',
  '\x1b[1;2B',
  '\x1b[1;3C',
  '\x1b[5;5~',
  '\x1b[a',
  '\x1bOa',
  '\x1b[2$',
  '\x1b[6^',
  '\x1b\x1b[A',
  '\r',
  '\n',
  '\t',
  '\x7f',
  '\b',
  '\x1b',
  ' ',
  '\x03',
  '\x01',
  '\x1a',
  'a',
  'q',
  'Q',
  'y',
  '1',
  '6',
  '?',
  '/',
  'é',
  '\x1b\x7f',
  '\x1b\b',
];

describe('reading keys', () => {
  test.each(KEYS.map((k) => [JSON.stringify(k), k]))('reads %s as Ink reads a chunk holding only that key', (_name, k) => {
    expect(splitKeys(k)).toEqual([k]);
    expect(parseKey(k)).toEqual(inkReads(k));
  });

  test('splits a chunk of several keys into each of them', () => {
    expect(splitKeys('\x1b[B\x1b[B\x1b[B')).toEqual(['\x1b[B', '\x1b[B', '\x1b[B']);
    expect(splitKeys('\x1b[A\x1bOB\x1b[6~\x1b[1;5C\r')).toEqual(['\x1b[A', '\x1bOB', '\x1b[6~', '\x1b[1;5C', '\r']);
    expect(splitKeys('x\ry')).toEqual(['x', '\r', 'y']);
    expect(splitKeys('\x1b\x1b[A\x1b')).toEqual(['\x1b\x1b[A', '\x1b']);
    // Esc and then a key, not alt+key: the dashboard binds no alt keys.
    expect(splitKeys('\x1b1\x1b\x1b')).toEqual(['\x1b', '1', '\x1b', '\x1b']);
    expect(splitKeys('\x1bq')).toEqual(['\x1b', 'q']);
    expect(splitKeys('\t\x1b[Z\x7f')).toEqual(['\t', '\x1b[Z', '\x7f']);
  });

  test('keeps a run of text whole, for a prompt to take as one paste', () => {
    expect(splitKeys('hello wörld\x1b[B')).toEqual(['hello wörld', '\x1b[B']);
    expect(isTextRun('hello')).toBe(true);
    expect(isTextRun('h')).toBe(false);
    expect(isTextRun('\x1b[B')).toBe(false);
    expect(parseKey('hello')).toEqual(inkReads('hello'));
  });
});
