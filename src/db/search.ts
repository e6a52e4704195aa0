/** `agor search`: one FTS5 query per source (messages, channel posts, tasks, comments, run logs) and the run-log index. */
import { type Db, stmt } from './open.js';

export type SearchKind = 'message' | 'channel' | 'task' | 'comment' | 'log';

/** One hit of one source, best first by `rank` (FTS5's bm25: lower is better). */
export interface SourceHit {
  kind: SearchKind;
  /** The message, channel post, task, comment or run id. */
  id: string;
  /** Who wrote it: sender, poster, creator, commenter, the run's agent. */
  agent: string;
  /** When, as SQLite's datetime text (UTC). */
  at: string;
  /** Where it is: the recipient, '#channel', the task's title, the run's incarnation. */
  place: string;
  /** The task of a comment, the channel of a post, the log line of a run's hit; else null. */
  ref: string | null;
  /** Lines from the hit to the end of the run's indexed log (logs only; else null). */
  tail: number | null;
  snippet: string;
  rank: number;
}

/** The filters every source takes; null: no filter. */
export interface SourceFilter {
  match: string;
  agent: string | null;
  /** SQLite datetime text, and the same instant in ms (runs keep ms). */
  since: string | null;
  sinceMs: number | null;
  limit: number;
}

const SNIP = (table: string, col = 0) => `snippet(${table}, ${col}, char(1), char(2), '…', 12)`;

/** The SQL of each source; all select the columns of SourceHit. */
const SOURCES: Record<SearchKind, string> = {
  message: `SELECT 'message' AS kind, m.id, m.from_agent AS agent, m.created_at AS at, m.to_agent AS place, NULL AS ref, NULL AS tail,
       ${SNIP('messages_fts')} AS snippet, bm25(messages_fts) AS rank
     FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
     WHERE messages_fts MATCH @match AND (@agent IS NULL OR m.from_agent = @agent OR m.to_agent = @agent)
       AND (@since IS NULL OR m.created_at >= @since)
     ORDER BY rank LIMIT @limit`,
  channel: `SELECT 'channel' AS kind, cm.id, cm.from_agent AS agent, cm.created_at AS at, '#' || c.name AS place, c.name AS ref, NULL AS tail,
       ${SNIP('channel_messages_fts')} AS snippet, bm25(channel_messages_fts) AS rank
     FROM channel_messages_fts JOIN channel_messages cm ON cm.rowid = channel_messages_fts.rowid JOIN channels c ON c.id = cm.channel_id
     WHERE channel_messages_fts MATCH @match AND (@agent IS NULL OR cm.from_agent = @agent)
       AND (@since IS NULL OR cm.created_at >= @since)
     ORDER BY rank LIMIT @limit`,
  // The title weighs more than the description, as in bttask search.
  task: `SELECT 'task' AS kind, t.id, t.created_by AS agent, t.updated_at AS at, t.title AS place, t.status AS ref, NULL AS tail,
       ${SNIP('tasks_fts', -1)} AS snippet, bm25(tasks_fts, 5.0, 1.0) AS rank
     FROM tasks_fts JOIN tasks t ON t.rowid = tasks_fts.rowid
     WHERE tasks_fts MATCH @match AND (@agent IS NULL OR t.created_by = @agent OR t.assigned_to = @agent)
       AND (@since IS NULL OR t.updated_at >= @since)
     ORDER BY rank LIMIT @limit`,
  comment: `SELECT 'comment' AS kind, c.id, c.agent_id AS agent, c.created_at AS at, t.title AS place, t.id AS ref, NULL AS tail,
       ${SNIP('task_comments_fts')} AS snippet, bm25(task_comments_fts) AS rank
     FROM task_comments_fts JOIN task_comments c ON c.rowid = task_comments_fts.rowid JOIN tasks t ON t.id = c.task_id
     WHERE task_comments_fts MATCH @match AND (@agent IS NULL OR c.agent_id = @agent)
       AND (@since IS NULL OR c.created_at >= @since)
     ORDER BY rank LIMIT @limit`,
  log: `SELECT 'log' AS kind, r.id, r.agent, datetime(coalesce(r.ended_at, r.started_at) / 1000, 'unixepoch') AS at,
       'run #' || r.incarnation AS place, CAST(lc.line_no AS TEXT) AS ref, max(1, coalesce(ix.lines, 0) - lc.line_no + 1) AS tail,
       ${SNIP('run_log_fts')} AS snippet, bm25(run_log_fts) AS rank
     FROM run_log_fts JOIN run_log_chunks lc ON lc.id = run_log_fts.rowid JOIN runs r ON r.id = lc.run_id
       LEFT JOIN run_log_indexed ix ON ix.run_id = r.id
     WHERE run_log_fts MATCH @match AND (@agent IS NULL OR r.agent = @agent)
       AND (@sinceMs IS NULL OR coalesce(r.ended_at, r.started_at) >= @sinceMs)
     ORDER BY rank LIMIT @limit`,
};

/** The best hits of one source. */
export const searchSource = (db: Db, kind: SearchKind, f: SourceFilter) => stmt<SourceHit>(db, SOURCES[kind]).all(f);

// ---- the run-log index

/** One chunk of a run's readable, scrubbed output: its first line's number in the log, and its text. */
export interface LogChunk {
  line_no: number;
  text: string;
}

/** Forgets what was indexed of a run (a half-done index, before it starts again). */
export const clearRunLog = (db: Db, runId: string) => {
  stmt(db, 'DELETE FROM run_log_chunks WHERE run_id = ?').run(runId);
  stmt(db, 'DELETE FROM run_log_indexed WHERE run_id = ?').run(runId);
};

/**
 * Adds chunks of a run's output; nothing when the run is gone (retention removed it while
 * it was being indexed), so no chunk outlives its run. Returns how many were added.
 */
export function addRunLogChunks(db: Db, runId: string, agent: string, chunks: LogChunk[]): number {
  const insert = stmt(
    db,
    'INSERT INTO run_log_chunks (run_id, agent, line_no, text) SELECT @run, @agent, @line_no, @text WHERE EXISTS (SELECT 1 FROM runs WHERE id = @run)',
  );
  let n = 0;
  for (const c of chunks) n += insert.run({ run: runId, agent, line_no: c.line_no, text: c.text }).changes;
  return n;
}

/** Records a run's log as indexed (when the run still exists). */
export const markRunLogIndexed = (db: Db, runId: string, at: number, bytes: number, lines: number, chunks: number, truncated: boolean) =>
  stmt(
    db,
    `INSERT OR REPLACE INTO run_log_indexed (run_id, indexed_at, bytes, lines, chunks, truncated)
     SELECT @run, @at, @bytes, @lines, @chunks, @truncated WHERE EXISTS (SELECT 1 FROM runs WHERE id = @run)`,
  ).run({ run: runId, at, bytes, lines, chunks, truncated: truncated ? 1 : 0 });

/** Ended runs with a log that is not indexed yet, newest first (what a supervisor missed while down). */
export const runsToIndex = (db: Db, limit: number) =>
  stmt<{ id: string; agent: string; log_path: string }>(
    db,
    `SELECT r.id, r.agent, r.log_path FROM runs r
     WHERE r.ended_at IS NOT NULL AND r.log_path IS NOT NULL AND NOT EXISTS (SELECT 1 FROM run_log_indexed ix WHERE ix.run_id = r.id)
     ORDER BY r.ended_at DESC LIMIT ?`,
  ).all(limit);

/** Whether a run's log is indexed. */
export const runLogIndexed = (db: Db, runId: string) => stmt(db, 'SELECT 1 AS x FROM run_log_indexed WHERE run_id = ?').get(runId) !== undefined;
