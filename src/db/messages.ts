import { type Db, stmt } from './open.js';

export type DeliveryState = 'queued' | 'delivered' | 'seen' | 'acked';

export interface MessageRow {
  rowid: number;
  id: string;
  from_agent: string;
  to_agent: string;
  content: string;
  read: number;
  reply_to: string | null;
  group_id: string;
  sender_group_id: string | null;
  created_at: string;
  delivered_at: string | null;
  seen_at: string | null;
  acked_at: string | null;
  /** Comma-separated prompt-injection findings, or null. */
  flags: string | null;
  state: DeliveryState;
}

// `read = 1` written by the earlier tools counts as seen.
const STATE = `CASE WHEN acked_at IS NOT NULL THEN 'acked'
  WHEN read = 1 OR seen_at IS NOT NULL THEN 'seen'
  WHEN delivered_at IS NOT NULL THEN 'delivered' ELSE 'queued' END AS state`;
const COLS = `rowid, *, ${STATE}`;

export interface NewMessage {
  id: string;
  from_agent: string;
  to_agent: string;
  content: string;
  reply_to: string | null;
  group_id: string;
  sender_group_id: string | null;
  flags: string | null;
}

export function insertMessage(db: Db, m: NewMessage): MessageRow {
  stmt(
    db,
    `INSERT INTO messages (id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id, flags)
     VALUES (@id, @from_agent, @to_agent, @content, 0, @reply_to, @group_id, @sender_group_id, @flags)`,
  ).run(m);
  return getMessage(db, m.id)!;
}

export const getMessage = (db: Db, id: string) => stmt<MessageRow>(db, `SELECT ${COLS} FROM messages WHERE id = ?`).get(id);

/**
 * Up to `limit` ids starting with `prefix` among messages to or from `agent` (all when
 * null). A range on the primary key, so it stays fast on large files.
 */
export const messageIdsByPrefix = (db: Db, prefix: string, agent: string | null, limit = 10) =>
  stmt<{ id: string }>(
    db,
    `SELECT id FROM messages WHERE id >= @lo AND id < @hi AND (@agent IS NULL OR to_agent = @agent OR from_agent = @agent)
     ORDER BY id LIMIT @limit`,
  )
    .all({ lo: prefix, hi: prefix + '\uffff', agent, limit })
    .map((r) => r.id);

export const unreadFor = (db: Db, agent: string, limit: number) =>
  stmt<MessageRow>(db, `SELECT ${COLS} FROM messages WHERE to_agent = ? AND read = 0 ORDER BY created_at, rowid LIMIT ?`).all(agent, limit);

/** The newest `limit` messages to `agent`, oldest first. */
export const allFor = (db: Db, agent: string, limit: number) =>
  stmt<MessageRow>(
    db,
    `SELECT * FROM (SELECT ${COLS} FROM messages WHERE to_agent = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)
     ORDER BY created_at, rowid`,
  ).all(agent, limit);

export const unreadCount = (db: Db, agent: string) => stmt<{ n: number }>(db, 'SELECT count(*) AS n FROM messages WHERE to_agent = ? AND read = 0').get(agent)!.n;

/** Marks the given messages delivered (those still queued); returns how many changed. */
export function markDelivered(db: Db, ids: string[]): number {
  const s = stmt(db, `UPDATE messages SET delivered_at = datetime('now') WHERE id = ? AND delivered_at IS NULL`);
  let n = 0;
  for (const id of ids) n += s.run(id).changes;
  return n;
}

export const markSeen = (db: Db, id: string) =>
  stmt(
    db,
    `UPDATE messages SET read = 1, seen_at = coalesce(seen_at, datetime('now')), delivered_at = coalesce(delivered_at, datetime('now'))
     WHERE id = ?`,
  ).run(id).changes;

export const markAcked = (db: Db, id: string) =>
  stmt(
    db,
    `UPDATE messages SET read = 1, acked_at = coalesce(acked_at, datetime('now')), seen_at = coalesce(seen_at, datetime('now')),
       delivered_at = coalesce(delivered_at, datetime('now'))
     WHERE id = ?`,
  ).run(id).changes;

/** The newest `limit` messages between two agents (either direction), oldest first. */
export const conversation = (db: Db, a: string, b: string, limit: number) =>
  stmt<MessageRow>(
    db,
    `SELECT * FROM (
       SELECT ${COLS} FROM messages WHERE (from_agent = @a AND to_agent = @b) OR (from_agent = @b AND to_agent = @a)
       ORDER BY created_at DESC, rowid DESC LIMIT @limit)
     ORDER BY created_at, rowid`,
  ).all({ a, b, limit });

/** The whole thread `id` belongs to: its root and every reply below it, in time order. */
export function thread(db: Db, id: string): MessageRow[] {
  const root = stmt<{ id: string }>(
    db,
    `WITH RECURSIVE up(id, reply_to, depth) AS (
       SELECT id, reply_to, 0 FROM messages WHERE id = ?
       UNION ALL SELECT m.id, m.reply_to, up.depth + 1 FROM messages m JOIN up ON m.id = up.reply_to WHERE up.depth < 1000)
     SELECT id FROM up ORDER BY depth DESC LIMIT 1`,
  ).get(id);
  if (!root) return [];
  return stmt<MessageRow>(
    db,
    `WITH RECURSIVE down(id, depth) AS (
       SELECT ?, 0
       UNION ALL SELECT m.id, down.depth + 1 FROM messages m JOIN down ON m.reply_to = down.id WHERE down.depth < 1000)
     SELECT ${COLS} FROM messages WHERE id IN (SELECT id FROM down) ORDER BY created_at, rowid`,
  ).all(root.id);
}

/** Messages to `agent` with rowid above `afterRowid` that are still queued, oldest first. */
export const queuedFor = (db: Db, agent: string, from: string | null, limit: number) =>
  stmt<MessageRow>(
    db,
    `SELECT ${COLS} FROM messages WHERE to_agent = @agent AND read = 0 AND delivered_at IS NULL
       AND (@from IS NULL OR from_agent = @from)
     ORDER BY created_at, rowid LIMIT @limit`,
  ).all({ agent, from, limit });

/** Recent direct messages, optionally only those involving `agent`, oldest first. */
export const recentMessages = (db: Db, agent: string | null, limit: number) =>
  stmt<MessageRow>(
    db,
    agent === null
      ? `SELECT * FROM (SELECT ${COLS} FROM messages ORDER BY created_at DESC, rowid DESC LIMIT @limit) ORDER BY created_at, rowid`
      : `SELECT * FROM (
           SELECT * FROM (SELECT ${COLS} FROM messages WHERE to_agent = @agent ORDER BY created_at DESC, rowid DESC LIMIT @limit)
           UNION
           SELECT * FROM (SELECT ${COLS} FROM messages WHERE from_agent = @agent ORDER BY created_at DESC, rowid DESC LIMIT @limit)
           ORDER BY created_at DESC, rowid DESC LIMIT @limit)
         ORDER BY created_at, rowid`,
  ).all(agent === null ? { limit } : { agent, limit });

export interface SearchHit {
  kind: 'message' | 'channel';
  id: string;
  from_agent: string;
  to: string;
  created_at: string;
  snippet: string;
  rank: number;
}

/** FTS5 search over direct messages visible to `agent` (all when null), best first. */
export const searchMessages = (db: Db, match: string, agent: string | null, limit: number) =>
  stmt<SearchHit>(
    db,
    `SELECT 'message' AS kind, m.id, m.from_agent, m.to_agent AS "to", m.created_at,
       snippet(messages_fts, 0, char(1), char(2), '…', 12) AS snippet, bm25(messages_fts) AS rank
     FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
     WHERE messages_fts MATCH @match AND (@agent IS NULL OR m.to_agent = @agent OR m.from_agent = @agent)
     ORDER BY rank LIMIT @limit`,
  ).all({ match, agent, limit });

/** Messages still in `messages` that have not been notified to `session`. */
export const unnotified = (db: Db, agent: string, session: string) =>
  stmt<MessageRow>(
    db,
    `SELECT ${COLS} FROM messages m WHERE to_agent = ? AND read = 0
       AND NOT EXISTS (SELECT 1 FROM seen_messages s WHERE s.session_id = ? AND s.message_id = m.id)
     ORDER BY created_at, rowid`,
  ).all(agent, session);

export const recordNotified = (db: Db, session: string, id: string) =>
  stmt(db, `INSERT OR IGNORE INTO seen_messages (session_id, message_id, seen_at) VALUES (?, ?, strftime('%s','now'))`).run(session, id);
