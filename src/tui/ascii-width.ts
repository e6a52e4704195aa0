/**
 * Wraps string-width with a fast path for what a dashboard draws nearly always: ASCII, box
 * drawing, arrows, dots and other symbols, possibly with SGR colour codes. string-width
 * walks every string through Intl.Segmenter and an emoji regex, and Ink measures every
 * text node of every frame with it: a third of an idle dashboard's CPU.
 *
 * The fast path only takes strings in which every character is a grapheme of its own:
 * printable ASCII, and the code points of SIMPLE below (Latin, punctuation, symbols,
 * arrows, box drawing, shapes, dingbats; no combining marks, joiners, variation selectors,
 * surrogates or controls). Each such character's width is asked of string-width once and
 * remembered, so the sum is what string-width would answer. Any other string, or any
 * options, go to string-width itself.
 */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[\d;]*m/g;

/** [from, to] inclusive: code points that never join a neighbour into one grapheme. */
const SIMPLE: readonly (readonly [number, number])[] = [
  [0x00a0, 0x02ff], // Latin-1 supplement, Latin extended, spacing modifiers
  [0x2010, 0x2027], // dashes, quotes, bullets, ellipsis
  [0x2030, 0x205e], // per mille, primes, guillemets, …
  [0x2070, 0x20cf], // super/subscripts, currency
  [0x2100, 0x2bff], // letterlike, arrows, maths, technical, box drawing, blocks, shapes, symbols, dingbats
];

export type StringWidth = (s: string, options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean }) => number;

const isSimple = (c: number): boolean => {
  for (const [from, to] of SIMPLE) if (c >= from && c <= to) return true;
  return false;
};

export function withAsciiFastPath(real: StringWidth): StringWidth {
  const widths = new Map<number, number>();
  const fast = (s: string): number | null => {
    let width = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c <= 0x7e) width += 1;
      else if (isSimple(c)) {
        let w = widths.get(c);
        if (w === undefined) widths.set(c, (w = real(String.fromCharCode(c))));
        width += w;
      } else return null;
    }
    return width;
  };
  return (s, options) => {
    if (typeof s === 'string' && options === undefined) {
      const w = fast(s.includes('\x1b') ? s.replace(SGR, '') : s);
      if (w !== null) return w;
    }
    return real(s, options);
  };
}
