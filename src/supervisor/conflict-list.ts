/** Conflicts as the CLI, the dashboard and the relay show them, and the operator's acknowledgement. */
import { ackConflict, type ConflictKind, type ConflictRow, type ConflictStatus, getConflict, listConflicts } from '../db/conflicts.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';
import { conflict, notFound } from '../core/errors.js';

/** One conflict (`agor conflicts --json` prints a list of these). Times are ISO 8601. */
export interface ConflictView {
  id: number;
  kind: ConflictKind;
  agents: string[];
  files: string[];
  /** The working tree (overlap, external) or the repository's git directory (merge). */
  tree: string;
  first_seen: string;
  last_seen: string;
  status: ConflictStatus;
  acked_by: string | null;
  acked_at: string | null;
  note: string | null;
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export function conflictView(r: ConflictRow): ConflictView {
  return {
    id: r.id,
    kind: r.kind,
    agents: JSON.parse(r.agents) as string[],
    files: JSON.parse(r.files) as string[],
    tree: r.tree,
    first_seen: iso(r.first_seen)!,
    last_seen: iso(r.last_seen)!,
    status: r.status,
    acked_by: r.acked_by,
    acked_at: iso(r.acked_at),
    note: r.note,
  };
}

/** Open and acknowledged conflicts, oldest first; resolved ones too with `all`. */
export const conflictViews = (db: Db, o: { all?: boolean } = {}): ConflictView[] => listConflicts(db, o).map(conflictView);

/**
 * Acknowledges conflict `id` as `by`: it stops raising attention until a new write to one of
 * its files re-opens it. Acknowledging one already acknowledged changes nothing; an unknown
 * id is not found (exit 3), a resolved one a conflict (exit 5).
 */
export function ackConflictAs(db: Db, id: number, by: string, note: string | null, now = Date.now()): ConflictView {
  return writeTx(db, () => {
    const row = getConflict(db, id);
    if (!row) throw notFound(`no conflict ${id}`, 'agor conflicts --all lists them');
    if (row.status === 'resolved') throw conflict(`conflict ${id} is resolved already`);
    if (ackConflict(db, id, by, note, now)) audit(db, by, 'conflict_acked', { id, kind: row.kind, note });
    return conflictView(getConflict(db, id)!);
  });
}

/**
 * A path as a user can read it on one line: one with a newline, tab, backslash, quote or
 * other control character is shown C-quoted, as git shows such names ("a\nb").
 */
export function quotePath(p: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f"\\]/.test(p)) return p;
  const esc: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '"': '\\"', '\\': '\\\\' };
  // eslint-disable-next-line no-control-regex
  return `"${p.replace(/[\x00-\x1f\x7f"\\]/g, (c) => esc[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}
