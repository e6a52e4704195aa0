import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { type StringWidth, withAsciiFastPath } from '../../../src/tui/ascii-width.js';

/** Every copy of string-width 5 or later in node_modules: the ones Ink and its helpers import. */
function stringWidths(dir = 'node_modules', found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name.startsWith('.') || !statSync(p).isDirectory()) continue;
    if (name === 'string-width') {
      const pkg = JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')) as { version: string };
      if (Number(pkg.version.split('.')[0]) >= 5) found.push(join(p, 'index.js'));
    } else if (name === 'node_modules' || name.startsWith('@') || dir.endsWith('node_modules')) stringWidths(p, found);
  }
  return found;
}

// A small deterministic generator, so a failure names a string that can be replayed.
function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

const SIMPLE_SAMPLES = [
  0xa0, 0xad, 0xb7, 0xe9, 0x2013, 0x2022, 0x2026, 0x2190, 0x2193, 0x2500, 0x2581, 0x2588, 0x25cb, 0x25cf, 0x25d0, 0x26a0, 0x2705, 0x2717, 0x2716, 0x231a, 0x2b50,
  0x203a,
];
const TRICKY = [
  '',
  'plain ascii, 123 !~',
  '\x1b[1m\x1b[35m[1 Fleet]\x1b[39m\x1b[22m 2 Board',
  '⚠️ with VS16',
  'e\u0301 combining acute',
  '漢字 wide',
  '👍🏽 modifier',
  '👨‍👩‍👧 zwj family',
  '🇫🇷 flag',
  'कि devanagari',
  '\u1100\u1161 hangul jamo',
  'tab\there',
  'line\nbreak',
  '\x1b]8;;https://example.com\x07link\x1b]8;;\x07',
  'zero\u200bwidth',
  '↔️ arrow with VS16',
  '\u2028separator',
  '\u202eRTL override',
  'a\u20dd enclosing circle',
  '\x7f del and \x9b csi',
];

const copies = stringWidths();

describe('the ASCII fast path of string-width', () => {
  test('node_modules holds the string-width that Ink uses', () => {
    expect(copies.length).toBeGreaterThan(0);
  });

  test.each(copies)('answers exactly as %s', async (path) => {
    const real = (await import(pathToFileURL(join(process.cwd(), path)).href)).default as StringWidth;
    const fast = withAsciiFastPath(real);
    const check = (s: string) => expect(fast(s), JSON.stringify(s)).toBe(real(s));
    for (const s of TRICKY) check(s);
    // Every code point of the fast path's ranges, alone and next to ASCII.
    for (let c = 0; c <= 0x2fff; c++) {
      const ch = String.fromCharCode(c);
      check(ch);
      check(`a${ch}b`);
    }
    // Random lines like the dashboard's: ASCII, symbols, colour codes, now and then anything.
    const r = rng(7);
    const anything = TRICKY.join('');
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(r() * 60);
      for (let j = 0; j < n; j++) {
        const k = r();
        if (k < 0.7) s += String.fromCharCode(0x20 + Math.floor(r() * 95));
        else if (k < 0.85) s += String.fromCharCode(SIMPLE_SAMPLES[Math.floor(r() * SIMPLE_SAMPLES.length)]!);
        else if (k < 0.95) s += `\x1b[${Math.floor(r() * 100)}m`;
        else s += [...anything][Math.floor(r() * [...anything].length)];
      }
      check(s);
    }
    expect(fast('wide', { ambiguousIsNarrow: false })).toBe(real('wide', { ambiguousIsNarrow: false }));
    expect(fast('\x1b[1mab', { countAnsiEscapeCodes: true })).toBe(real('\x1b[1mab', { countAnsiEscapeCodes: true }));
  });

  test('asks the real function only once per symbol, and never for ASCII', () => {
    const asked: string[] = [];
    const fast = withAsciiFastPath((s) => {
      asked.push(s);
      return 1;
    });
    expect(fast('› ● worker-1  running  ─────')).toBe(28);
    expect(fast('\x1b[32m●\x1b[39m worker-2 ─')).toBe(12);
    expect(asked).toEqual(['›', '●', '─']);
    expect(fast('漢字')).toBe(1);
    expect(asked.at(-1)).toBe('漢字');
  });
});
