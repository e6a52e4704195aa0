import { color } from './color.js';
import { stdoutColumns, stdoutIsTTY, writeStdout } from './stdout.js';

/** Writes one JSON document (pretty only on a TTY, so pipes get one compact line). */
export function printJson(data: unknown): void {
  const pretty = stdoutIsTTY();
  writeStdout(JSON.stringify(data, null, pretty ? 2 : undefined) + '\n');
}

export function printLines(lines: string[]): void {
  if (lines.length) writeStdout(lines.join('\n') + '\n');
}

/** Prints `data` as JSON when asked, else the human lines `human` builds from it. */
export function emit<T>(json: boolean | undefined, data: T, human: (data: T) => string[]): void {
  if (json) printJson(data);
  else printLines(human(data));
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

/** "2026-11-21 16:00:00" (SQLite UTC text) -> "3m ago" style, for humans only. */
export function ago(sqliteUtc: string | null | undefined, now = Date.now()): string {
  if (!sqliteUtc) return 'never';
  const t = Date.parse(sqliteUtc.replace(' ', 'T') + 'Z');
  if (Number.isNaN(t)) return sqliteUtc;
  return agoSeconds(Math.round((now - t) / 1000));
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

export const dim = (s: string) => color().dim(s);
