import { usage } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The one duration grammar of every binary and of agor.yaml: a number of seconds, or a
 * number with a unit: ms, s, m, h, d, w ("500ms", "90", "15m", "2h", "1d", "1w").
 * Returns milliseconds, or undefined when `text` is not a duration.
 */
export function durationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|[smhdw])?\s*$/i.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[(m[2] || 's').toLowerCase()]!;
  return Number.isFinite(ms) ? ms : undefined;
}

const DURATION_HINT = 'use a number of seconds or a value like 500ms, 30s, 15m, 2h, 1d, 1w';

/** A duration given on the command line -> seconds; a usage error when it is not one. */
export function parseDuration(text: string, what = 'duration'): number {
  const ms = durationMs(text);
  if (ms === undefined) throw usage(`invalid ${what} '${text}'`, DURATION_HINT);
  return ms / 1000;
}

/** Milliseconds -> the shortest exact text of the grammar above in days at most ("7d", "15m", "1500ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  return `${ms}ms`;
}

/** Date -> SQLite's datetime('now') text (UTC, second resolution). */
export const sqliteTime = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

/** A point in time given as a duration ago ("1h") or an ISO date/time -> SQLite UTC text. */
export function parseSince(text: string, now = Date.now()): string {
  if (/^\s*\d+(?:\.\d+)?\s*(ms|[smhdw])\s*$/i.test(text)) return sqliteTime(new Date(now - parseDuration(text) * 1000));
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text.replace(' ', 'T');
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) || !iso.includes('T') ? iso : iso + 'Z');
  if (Number.isNaN(t)) throw usage(`invalid time '${text}'`, "use a duration like 1h or 2d, or a date like 2026-11-21 or '2026-11-21 16:00'");
  return sqliteTime(new Date(t));
}
