/**
 * Pure text helpers for the dashboard: widths, truncation, durations, times, sparklines.
 * The dashboard truncates every cell itself (rather than leaving it to Ink's wrap) so
 * that a row never wraps and the ASCII mode never gets Ink's '…'.
 */

import { stripControls } from '../core/text.js';

// Rough East Asian Wide / emoji ranges: enough to keep columns aligned for common text.
const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

// Ink measures with string-width, which counts pictographs (⚠, ✖) as two cells: agree with it,
// or Ink cuts the end off a row that it thinks is one cell too long.
const PICTOGRAPH = /\p{Extended_Pictographic}/u;

function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if (cp === 0x200b || cp === 0x200c || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x300 && cp <= 0x36f)) return 0;
  for (const [a, b] of WIDE) if (cp >= a && cp <= b) return 2;
  if (cp >= 0x2000 && PICTOGRAPH.test(String.fromCodePoint(cp))) return 2;
  return 1;
}

/** Terminal cells `s` takes (after `clean`: no control characters left). */
export function cellWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Cuts `s` to at most `width` cells, ending with `ellipsis` when cut. */
export function truncate(s: string, width: number, ellipsis: string): string {
  if (width <= 0) return '';
  if (cellWidth(s) <= width) return s;
  const room = width - cellWidth(ellipsis);
  if (room <= 0) return ellipsis.slice(0, width);
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > room) break;
    out += ch;
    w += cw;
  }
  return out + ellipsis;
}

/** Cuts from the left (for paths and URLs, whose end says the most). */
export function truncateLeft(s: string, width: number, ellipsis: string): string {
  if (cellWidth(s) <= width) return s;
  const chars = [...s];
  const room = width - cellWidth(ellipsis);
  if (room <= 0) return ellipsis.slice(0, Math.max(0, width));
  let out = '';
  let w = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const cw = charWidth(chars[i]!.codePointAt(0)!);
    if (w + cw > room) break;
    out = chars[i] + out;
    w += cw;
  }
  return ellipsis + out;
}

/** Exactly `width` cells: truncated, then padded (left-aligned unless `right`). */
export function fit(s: string, width: number, ellipsis: string, right = false): string {
  const t = truncate(s, width, ellipsis);
  const pad = ' '.repeat(Math.max(0, width - cellWidth(t)));
  return right ? pad + t : t + pad;
}

/**
 * One line of display text from untrusted data (agent output, message bodies): escape
 * sequences, control, bidi and zero-width characters removed (core/text.ts decides which,
 * for the CLIs too), tabs and newlines turned into spaces, and in ASCII mode every
 * non-ASCII character replaced, since the terminal cannot show it.
 */
export function clean(s: string, ascii: boolean): string {
  let t = stripControls(s.replace(/\r?\n|\t/g, ' '));
  if (ascii) t = t.replace(/[^\x20-\x7e]/gu, '?');
  return t;
}

/** Splits `s` into lines of at most `width` cells (hard wrap at word ends when it can). */
export function wrap(s: string, width: number): string[] {
  if (width <= 0) return [];
  const out: string[] = [];
  for (const para of s.split(/\r?\n/)) {
    let line = '';
    let w = 0;
    for (const word of para.split(/(\s+)/)) {
      const ww = cellWidth(word);
      if (w + ww <= width) {
        line += word;
        w += ww;
        continue;
      }
      if (line.trim() !== '') out.push(line.trimEnd());
      line = '';
      w = 0;
      if (/^\s+$/.test(word)) continue;
      // A word longer than the line is cut into pieces.
      let piece = '';
      let pw = 0;
      for (const ch of word) {
        const cw = charWidth(ch.codePointAt(0)!);
        if (pw + cw > width) {
          out.push(piece);
          piece = '';
          pw = 0;
        }
        piece += ch;
        pw += cw;
      }
      line = piece;
      w = pw;
    }
    out.push(line.trimEnd());
  }
  return out;
}

/** 45s, 12m05s, 3h05m, 2d04h: at most 6 cells. */
export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '-';
  s = Math.max(0, Math.floor(s));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s < 100 * 86400) return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Milliseconds since the epoch from ISO text or SQLite's "YYYY-MM-DD HH:MM:SS" (UTC). */
export function parseTime(t: string | null | undefined): number | null {
  if (!t) return null;
  const ms = Date.parse(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d(\.\d+)?)?$/.test(t) ? t.replace(' ', 'T') + 'Z' : t);
  return Number.isNaN(ms) ? null : ms;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Local "HH:MM:SS". */
export function clockTime(t: string | null | undefined): string {
  const ms = parseTime(t);
  if (ms === null) return '--:--:--';
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Local "MM-DD HH:MM". */
export function dayTime(t: string | null | undefined): string {
  const ms = parseTime(t);
  if (ms === null) return '-';
  const d = new Date(ms);
  return `${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

export const shortId = (id: string) => id.slice(0, 8);

/** 950, 1.2k, 34k, 1.5M. */
export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function money(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  return n < 10 ? `$${n.toFixed(2)}` : `$${n.toFixed(1)}`;
}

/**
 * One glyph per value, scaled from 0 to the largest value. Missing values are a space.
 * `levels` runs from the lowest glyph to the highest.
 */
export function sparkline(values: (number | null)[], levels: readonly string[]): string {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  const top = levels.length - 1;
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return ' ';
      if (max === 0) return levels[0]!;
      return levels[Math.min(top, Math.max(0, Math.round((v / max) * top)))]!;
    })
    .join('');
}

/** First row to show so that `selected` stays inside a window of `visible` rows. */
export function windowStart(selected: number, total: number, visible: number): number {
  if (visible <= 0 || total <= visible) return 0;
  const half = Math.floor(visible / 2);
  return Math.max(0, Math.min(total - visible, selected - half));
}

export const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));
