import { type Db, stmt } from './open.js';

export interface DeadLetterRow {
  id: number;
  from_agent: string;
  to_agent: string;
  content: string;
  error: string;
  created_at: string;
  message_id: string | null;
  reply_to: string | null;
  flags: string | null;
}

export function insertDeadLetter(db: Db, d: Omit<DeadLetterRow, 'id' | 'created_at'>): DeadLetterRow {
  const info = stmt(
    db,
    `INSERT INTO dead_letter_queue (from_agent, to_agent, content, error, message_id, reply_to, flags)
     VALUES (@from_agent, @to_agent, @content, @error, @message_id, @reply_to, @flags)`,
  ).run(d);
  return getDeadLetter(db, Number(info.lastInsertRowid))!;
}

export const getDeadLetter = (db: Db, id: number) => stmt<DeadLetterRow>(db, 'SELECT * FROM dead_letter_queue WHERE id = ?').get(id);

/** Dead letters sent by or addressed to `agent` (all when null), oldest first. */
export const listDeadLetters = (db: Db, agent: string | null, limit: number) =>
  stmt<DeadLetterRow>(
    db,
    `SELECT * FROM (SELECT * FROM dead_letter_queue WHERE @agent IS NULL OR from_agent = @agent OR to_agent = @agent
       ORDER BY id DESC LIMIT @limit) ORDER BY id`,
  ).all({ agent, limit });

export const deleteDeadLetter = (db: Db, id: number) => stmt(db, 'DELETE FROM dead_letter_queue WHERE id = ?').run(id).changes;

/** Deletes dead letters older than `before` (SQLite UTC text), of `agent` when given. */
export const purgeDeadLetters = (db: Db, agent: string | null, before: string | null) =>
  stmt(
    db,
    `DELETE FROM dead_letter_queue WHERE (@agent IS NULL OR from_agent = @agent OR to_agent = @agent)
       AND (@before IS NULL OR created_at < @before)`,
  ).run({ agent, before }).changes;
