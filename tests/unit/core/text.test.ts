import { describe, expect, it } from 'vitest';
import { nameProblem, safeJson, showControls, showControlsDeep, stripControls } from '../../../src/core/text.js';
import { longTimeout } from '../../../src/core/timer.js';
import { safeText } from '../../../src/cli/output.js';

const ATTACK = 'a\x1b]0;T\x07\x1b[2J\x1b[1A\x1b[2Kok\u202Ex\u009B2J\r\b\x7f\u200B\u{E0041}';

describe('showControls', () => {
  it('shows C0 and DEL in caret notation and the rest as code points', () => {
    expect(showControls(ATTACK)).toBe('a^[]0;T^G^[[2J^[[1A^[[2Kok<U+202E>x<U+009B>2J^M^H^?<U+200B><U+E0041>');
  });

  it('keeps newlines, tabs and ordinary Unicode', () => {
    const text = 'line one\n\tline two: café, 日本語, emoji 🎉';
    expect(showControls(text)).toBe(text);
  });

  it('reaches every string inside arrays and plain objects', () => {
    expect(showControlsDeep({ a: ['\x1b', { b: '\x07' }], n: 1, z: null })).toEqual({ a: ['^[', { b: '^G' }], n: 1, z: null });
  });
});

describe('stripControls', () => {
  it('removes whole escape sequences and hidden characters, for the dashboard', () => {
    expect(stripControls(ATTACK)).toBe('aokx');
  });
});

describe('safeJson', () => {
  it('decodes to exactly the same text while no C1 or bidi character stays raw', () => {
    const out = safeJson({ t: ATTACK });
    expect(JSON.parse(out)).toEqual({ t: ATTACK });
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e\u200b]|[\u{E0000}-\u{E007F}]/u);
  });
});

describe('safeText', () => {
  it('keeps our colour sequences on a colour terminal and shows any other escape', () => {
    expect(safeText('\x1b[1mbold\x1b[22m \x1b[2J \x1b[8mhidden\x1b[0m', true)).toBe('\x1b[1mbold\x1b[22m ^[[2J ^[[8mhidden\x1b[0m');
    expect(safeText('\x1b[1mbold\x1b[22m', false)).toBe('^[[1mbold^[[22m');
  });
});

describe('nameProblem', () => {
  it('refuses control, bidi and zero-width characters and says which', () => {
    expect(nameProblem('Alice', 'name')).toBeUndefined();
    expect(nameProblem('Zoë 日本', 'name')).toBeUndefined();
    expect(nameProblem('a\x1b[2Jb', 'name')).toMatch(/name 'a\^\[\[2Jb' contains the character \^\[/);
    expect(nameProblem('a\u202Eb', 'group')).toMatch(/<U\+202E>/);
    expect(nameProblem('a\u200Bb', 'group')).toMatch(/<U\+200B>/);
    expect(nameProblem('a\nb', 'name')).toMatch(/a newline/);
  });
});

describe('longTimeout', () => {
  it('fires after a short delay like setTimeout', async () => {
    const start = Date.now();
    await new Promise<void>((r) => longTimeout(r, 50));
    expect(Date.now() - start).toBeGreaterThanOrEqual(45);
  });

  it('does not fire at once for a delay beyond what one timer holds, and can be cancelled', async () => {
    let fired = false;
    const cancel = longTimeout(() => (fired = true), 25 * 86_400_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(fired).toBe(false);
    cancel();
  });
});
