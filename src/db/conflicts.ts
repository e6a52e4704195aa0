import { type Db, stmt } from './open.js';

export type ConflictKind = 'overlap' | 'external' | 'merge';
export type ConflictStatus = 'open' | 'acked' | 'resolved';

/** One row of `conflicts`; agents and files are JSON arrays of strings; times are Unix milliseconds. */
export interface ConflictRow {
  id: number;
  key: string;
  kind: ConflictKind;
  tree: string;
  agents: string;
  files: string;
  sig: string | null;
  first_seen: number;
  last_seen: number;
  status: ConflictStatus;
  acked_by: string | null;
  acked_at: number | null;
  note: string | null;
  resolved_at: number | null;
}

export interface ConflictSighting {
  key: string;
  kind: ConflictKind;
  /** The working tree (overlap, external) or the repository's common git directory (merge). */
  tree: string;
  agents: string[];
  files: string[];
  /** Merge conflicts: a fingerprint of the conflicting content; a change re-opens an acknowledged one. */
  sig?: string | null;
  /** The files replace the recorded ones (merge: what conflicts now) instead of adding to them (a new write). */
  replace?: boolean;
  at: number;
}

/** What recording a sighting did: a new conflict, an acknowledged one re-opened, new files on an open one, or nothing new. */
export type SightingChange = 'new' | 'reopened' | 'grown' | 'same';

const current = (db: Db, key: string) => stmt<ConflictRow>(db, "SELECT * FROM conflicts WHERE key = ? AND status != 'resolved' ORDER BY id DESC LIMIT 1").get(key);

export const getConflict = (db: Db, id: number) => stmt<ConflictRow>(db, 'SELECT * FROM conflicts WHERE id = ?').get(id);

/**
 * Records a conflict seen now; call inside writeTx. A conflict not yet resolved is updated
 * (its files, agents and last_seen); an acknowledged one re-opens when a new write touches
 * its files: always for overlap and external (each sighting is a new write), for merge when
 * the fingerprint or the files changed.
 */
export function recordConflict(db: Db, s: ConflictSighting): { row: ConflictRow; change: SightingChange } {
  const was = current(db, s.key);
  if (!was) {
    const info = stmt(
      db,
      `INSERT INTO conflicts (key, kind, tree, agents, files, sig, first_seen, last_seen)
       VALUES (@key, @kind, @tree, @agents, @files, @sig, @at, @at)`,
    ).run({ ...s, agents: JSON.stringify([...s.agents].sort()), files: JSON.stringify([...s.files].sort()), sig: s.sig ?? null });
    return { row: getConflict(db, Number(info.lastInsertRowid))!, change: 'new' };
  }
  const oldFiles = JSON.parse(was.files) as string[];
  const files = s.replace ? [...new Set(s.files)].sort() : [...new Set([...oldFiles, ...s.files])].sort();
  const agents = [...new Set([...(JSON.parse(was.agents) as string[]), ...s.agents])].sort();
  const grown = files.some((f) => !oldFiles.includes(f));
  const fresh = s.kind === 'merge' ? grown || (s.sig ?? null) !== was.sig : true;
  const reopen = was.status === 'acked' && fresh;
  stmt(
    db,
    `UPDATE conflicts SET agents = @agents, files = @files, sig = @sig, last_seen = @at,
       status = CASE WHEN @reopen THEN 'open' ELSE status END,
       acked_by = CASE WHEN @reopen THEN NULL ELSE acked_by END,
       acked_at = CASE WHEN @reopen THEN NULL ELSE acked_at END
     WHERE id = @id`,
  ).run({ id: was.id, agents: JSON.stringify(agents), files: JSON.stringify(files), sig: s.sig ?? null, at: s.at, reopen: reopen ? 1 : 0 });
  const change: SightingChange = reopen ? 'reopened' : grown && was.status === 'open' ? 'grown' : 'same';
  return { row: getConflict(db, was.id)!, change };
}

/** Marks a conflict resolved (it no longer predicts, or its files were committed or reverted). */
export const resolveConflict = (db: Db, id: number, at: number): boolean =>
  stmt(db, "UPDATE conflicts SET status = 'resolved', resolved_at = ? WHERE id = ? AND status != 'resolved'").run(at, id).changes === 1;

/** Conflicts not yet resolved whose key starts with `prefix`. */
export const unresolvedConflicts = (db: Db, prefix: string) =>
  stmt<ConflictRow>(db, "SELECT * FROM conflicts WHERE status != 'resolved' AND substr(key, 1, length(?)) = ? ORDER BY id").all(prefix, prefix);

/** Open and acknowledged conflicts oldest first, or (all) the newest `limit` of every status, oldest first. */
export function listConflicts(db: Db, opts: { all?: boolean; limit?: number } = {}): ConflictRow[] {
  if (!opts.all) return stmt<ConflictRow>(db, "SELECT * FROM conflicts WHERE status != 'resolved' ORDER BY id LIMIT ?").all(opts.limit ?? 1000);
  return stmt<ConflictRow>(db, 'SELECT * FROM (SELECT * FROM conflicts ORDER BY id DESC LIMIT ?) ORDER BY id').all(opts.limit ?? 1000);
}

/** Acknowledges an open conflict (a compare-and-swap on status); false when it was not open. Call inside writeTx. */
export const ackConflict = (db: Db, id: number, by: string, note: string | null, at: number): boolean =>
  stmt(db, "UPDATE conflicts SET status = 'acked', acked_by = ?, acked_at = ?, note = ? WHERE id = ? AND status = 'open'").run(by, at, note, id).changes === 1;

/** How many open conflicts each agent is in, for attention scores. */
export const openConflictCounts = (db: Db) =>
  stmt<{ agent: string; n: number }>(
    db,
    "SELECT j.value AS agent, COUNT(*) AS n FROM conflicts, json_each(conflicts.agents) AS j WHERE conflicts.status = 'open' GROUP BY j.value",
  ).all();

/** True when `agent` is in an open conflict. */
export const inOpenConflict = (db: Db, agent: string): boolean =>
  stmt(db, "SELECT 1 FROM conflicts, json_each(conflicts.agents) AS j WHERE conflicts.status = 'open' AND j.value = ? LIMIT 1").get(agent) !== undefined;
