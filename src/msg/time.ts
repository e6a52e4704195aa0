import { usage } from '../cli/errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "90", "90s", "15m", "2h", "1d", "1w" -> seconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(text);
  if (!m) throw usage(`invalid ${what} '${text}'`, 'use a number of seconds or a value like 30s, 15m, 2h, 1d');
  return Number(m[1]) * UNITS[(m[2] || 's').toLowerCase()]!;
}

/** Date -> SQLite's datetime('now') text (UTC, second resolution). */
export const sqliteTime = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

/** A point in time given as a duration ago ("1h") or an ISO date/time -> SQLite UTC text. */
export function parseSince(text: string, now = Date.now()): string {
  if (/^\s*\d+(?:\.\d+)?\s*[smhdw]\s*$/i.test(text)) return sqliteTime(new Date(now - parseDuration(text) * 1000));
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text.replace(' ', 'T');
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) || !iso.includes('T') ? iso : iso + 'Z');
  if (Number.isNaN(t)) throw usage(`invalid time '${text}'`, "use a duration like 1h or 2d, or a date like 2026-11-21 or '2026-11-21 16:00'");
  return sqliteTime(new Date(t));
}
