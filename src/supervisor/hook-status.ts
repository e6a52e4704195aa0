/** How the hooks have fared, for `agor ps` and the dashboard: failures are in the audit log. */
import { hookFailuresSince } from '../db/hooks.js';
import type { Db } from '../db/open.js';
import { showControls } from '../core/text.js';
import type { AuditEntry } from './reads.js';

export interface HookFailures {
  count: number;
  last: AuditEntry | null;
}

/** SQLite's UTC text (`datetime('now')`) for `ms`. */
const sqliteTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** How many hooks failed in the last `withinMs`, and the latest failure. */
export function hookFailures(db: Db, withinMs: number, now = Date.now()): HookFailures {
  const { count, last } = hookFailuresSince(db, sqliteTime(now - withinMs));
  return {
    count,
    last: last ? { id: last.id, agent: last.agent_id, type: last.event_type, detail: last.detail ?? '', created_at: last.created_at } : null,
  };
}

/** "hooks: 2 failed (last: wake notify-send exit 1)"; null when none failed. */
export function hookFailureLine(f: HookFailures, within = ''): string | null {
  if (!f.count) return null;
  let what = '';
  try {
    const d = JSON.parse(f.last?.detail ?? '{}') as {
      event?: string;
      command?: string;
      exit?: number | null;
      signal?: string | null;
      timed_out?: boolean;
      error?: string | null;
    };
    const how = d.timed_out ? 'timed out' : d.error ? 'did not start' : d.signal ? d.signal : `exit ${d.exit}`;
    what = ` (last: ${d.event ?? '?'} ${d.command ?? '?'} ${how})`;
  } catch {
    /* an entry written by something else: the count alone */
  }
  return showControls(`hooks: ${f.count} failed${within}${what}`);
}
