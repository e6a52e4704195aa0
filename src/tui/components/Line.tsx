import { Text } from 'ink';
import type { ReactNode } from 'react';
import { fit } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import type { Theme, Tone } from '../theme.js';

/** A piece of a line with its tone (colour, when there is colour) and emphasis. */
export interface Seg {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

/** A piece of a line: plain text, a styled segment, or nothing. */
export type Piece = Seg | string | null | false;

/** Appends one row's pieces to `out`, styled through the theme (no escapes without colour). */
function pushRow(out: ReactNode[], segs: Piece[], t: Theme, row: number): void {
  let last = segs.length - 1;
  while (last >= 0 && !segs[last]) last--;
  // An empty row still takes its line.
  if (last < 0) return void out.push(' ');
  for (let i = 0; i <= last; i++) {
    const s = segs[i];
    if (!s) continue;
    let text = typeof s === 'string' ? s : s.text;
    // Ink measures every character it writes: trailing padding is work for nothing.
    if (i === last) text = text.trimEnd() || (out.length === 0 && i === 0 ? ' ' : '');
    if (typeof s === 'string') {
      out.push(text);
      continue;
    }
    const color = t.tone(s.tone);
    const bold = t.emphasis && s.bold;
    const inverse = t.emphasis && s.inverse;
    if (!color && !bold && !inverse) out.push(text);
    else
      out.push(
        <Text key={`${row}:${i}`} color={color} bold={bold || undefined} inverse={inverse || undefined}>
          {text}
        </Text>,
      );
  }
}

/**
 * One row of the screen from its pieces. Callers size the pieces to the width; Ink's
 * truncation is only a backstop, so a row never wraps onto the next.
 */
export function Line({ segs }: { segs: Piece[] }) {
  const t = useTheme();
  const out: ReactNode[] = [];
  pushRow(out, segs, t, 0);
  return <Text wrap="truncate-end">{out}</Text>;
}

/**
 * Several rows in one Text node: the same output as a Line per row, with a fraction of
 * the layout nodes (Ink lays out and measures each node). Rows must fit the width.
 */
export function Block({ rows }: { rows: Piece[][] }) {
  const t = useTheme();
  const out: ReactNode[] = [];
  rows.forEach((segs, r) => {
    if (r > 0) out.push('\n');
    pushRow(out, segs, t, r);
  });
  return <Text>{out}</Text>;
}

/** A cell of exactly `width` cells (truncated with the theme's ellipsis, then padded). */
export function cell(text: string, width: number, ellipsis: string, opts: Omit<Seg, 'text'> & { right?: boolean } = {}): Seg {
  const { right, ...rest } = opts;
  return { text: fit(text, width, ellipsis, right), ...rest };
}
