import { safeJson, showControls, showControlsDeep } from '../core/text.js';
import { color } from './color.js';
import { stdoutColumns, stdoutIsTTY, writeStdout } from './stdout.js';

/**
 * Writes one JSON document (pretty only on a TTY, so pipes get one compact line). The
 * text is exact; C1 and invisible characters are \u-escaped so the bytes stay inert.
 */
export function printJson(data: unknown): void {
  const pretty = stdoutIsTTY();
  writeStdout(safeJson(data, pretty ? 2 : undefined) + '\n');
}

// The colours and weights chalk writes for us; 8 (concealed) and everything else is not ours.
// eslint-disable-next-line no-control-regex
const OUR_SGR = /(\x1b\[(?:(?:[0-79]|2[0-9]|3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;(?:[0-79]|2[0-9]|3[0-9]|4[0-9]|9[0-7]|10[0-7]))*)?m)/;

/**
 * Human text made safe for a terminal: every control character shown (see showControls),
 * except, when `colour` is on, the colour sequences the formatters added.
 */
export function safeText(text: string, colour: boolean): string {
  if (!colour) return showControls(text);
  return text
    .split(OUR_SGR)
    .map((part, i) => (i % 2 === 1 ? part : showControls(part)))
    .join('');
}

/** Prints human lines; whatever a formatter let through, no control character reaches the terminal. */
export function printLines(lines: string[]): void {
  if (lines.length) writeStdout(safeText(lines.join('\n'), color().level > 0) + '\n');
}

/**
 * Prints `data` as JSON when asked, else the human lines `human` builds from it. The
 * human formatter gets a copy of `data` with every string already through
 * showControls, so stored text is shown, never obeyed, whatever colours it gets.
 */
export function emit<T>(json: boolean | undefined, data: T, human: (data: T) => string[]): void {
  if (json) printJson(data);
  else printLines(human(showControlsDeep(data)));
}

/** First 8 characters of a uuid: what humans read and type. */
export const shortId = (id: string): string => id.slice(0, 8);

/** One line, at most `width` characters, for list views. */
export function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? flat.slice(0, Math.max(1, width - 1)) + '…' : flat;
}

export function termWidth(): number {
  const columns = stdoutColumns();
  return columns && columns > 20 ? columns : 100;
}

export function agoSeconds(s: number): string {
  if (s < 0) s = 0;
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function table(rows: string[][], gap = 2): string[] {
  if (!rows.length) return [];
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(c))));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visibleLength(c) + gap)))
      .join('')
      .trimEnd(),
  );
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string): number => s.replace(ANSI, '').length;
