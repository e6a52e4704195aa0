import { type Db, stmt } from './open.js';

export interface ChannelRow {
  id: string;
  name: string;
  group_id: string;
  created_by: string;
  created_at: string;
}

export interface ChannelListRow extends ChannelRow {
  members: number;
  messages: number;
  member: number;
}

export interface ChannelMessageRow {
  rowid: number;
  id: string;
  channel_id: string;
  channel: string;
  from_agent: string;
  content: string;
  created_at: string;
  flags: string | null;
}

export const channelByName = (db: Db, name: string) => stmt<ChannelRow>(db, 'SELECT * FROM channels WHERE name = ? ORDER BY created_at LIMIT 1').get(name);

export function insertChannel(db: Db, c: Omit<ChannelRow, 'created_at'>): void {
  stmt(db, 'INSERT INTO channels (id, name, group_id, created_by) VALUES (@id, @name, @group_id, @created_by)').run(c);
}

export const listChannels = (db: Db, agent: string) =>
  stmt<ChannelListRow>(
    db,
    `SELECT c.*, (SELECT count(*) FROM channel_members cm WHERE cm.channel_id = c.id) AS members,
       (SELECT count(*) FROM channel_messages x WHERE x.channel_id = c.id) AS messages,
       EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.agent_id = ?) AS member
     FROM channels c ORDER BY c.name`,
  ).all(agent);

export const isMember = (db: Db, channelId: string, agent: string) =>
  stmt(db, 'SELECT 1 FROM channel_members WHERE channel_id = ? AND agent_id = ?').get(channelId, agent) !== undefined;

export const addMember = (db: Db, channelId: string, agent: string) =>
  stmt(db, 'INSERT OR IGNORE INTO channel_members (channel_id, agent_id) VALUES (?, ?)').run(channelId, agent).changes > 0;

export const membersOf = (db: Db, channelId: string) =>
  stmt<{ agent_id: string }>(db, 'SELECT agent_id FROM channel_members WHERE channel_id = ? ORDER BY agent_id')
    .all(channelId)
    .map((r) => r.agent_id);

const CM_COLS = `cm.rowid, cm.id, cm.channel_id, c.name AS channel, cm.from_agent, cm.content, cm.created_at, cm.flags`;

export function insertChannelMessage(db: Db, m: { id: string; channel_id: string; from_agent: string; content: string; flags: string | null }): ChannelMessageRow {
  stmt(db, 'INSERT INTO channel_messages (id, channel_id, from_agent, content, flags) VALUES (@id, @channel_id, @from_agent, @content, @flags)').run(m);
  return stmt<ChannelMessageRow>(db, `SELECT ${CM_COLS} FROM channel_messages cm JOIN channels c ON c.id = cm.channel_id WHERE cm.id = ?`).get(m.id)!;
}

/** The newest `limit` messages of a channel, oldest first. */
export const channelHistory = (db: Db, channelId: string, limit: number) =>
  stmt<ChannelMessageRow>(
    db,
    `SELECT * FROM (SELECT ${CM_COLS} FROM channel_messages cm JOIN channels c ON c.id = cm.channel_id
       WHERE cm.channel_id = ? ORDER BY cm.created_at DESC, cm.rowid DESC LIMIT ?) ORDER BY created_at, rowid`,
  ).all(channelId, limit);

/** Channel messages after `afterRowid` in the channel, not written by `exceptAgent`. */
export const channelMessagesAfter = (db: Db, channelId: string, afterRowid: number, exceptAgent: string) =>
  stmt<ChannelMessageRow>(
    db,
    `SELECT ${CM_COLS} FROM channel_messages cm JOIN channels c ON c.id = cm.channel_id
     WHERE cm.channel_id = ? AND cm.rowid > ? AND cm.from_agent != ? ORDER BY cm.rowid LIMIT 1`,
  ).get(channelId, afterRowid, exceptAgent);

export const maxChannelRowid = (db: Db) => stmt<{ r: number | null }>(db, 'SELECT max(rowid) AS r FROM channel_messages').get()!.r ?? 0;

/** Recent channel messages in channels `agent` belongs to (all when null), oldest first. */
export const recentChannelMessages = (db: Db, agent: string | null, limit: number) =>
  stmt<ChannelMessageRow>(
    db,
    `SELECT * FROM (SELECT ${CM_COLS} FROM channel_messages cm JOIN channels c ON c.id = cm.channel_id
       WHERE @agent IS NULL OR cm.channel_id IN (SELECT channel_id FROM channel_members WHERE agent_id = @agent)
       ORDER BY cm.created_at DESC, cm.rowid DESC LIMIT @limit) ORDER BY created_at, rowid`,
  ).all({ agent, limit });

export const searchChannelMessages = (db: Db, match: string, agent: string | null, limit: number) =>
  stmt<{ kind: 'channel'; id: string; from_agent: string; to: string; created_at: string; snippet: string; rank: number }>(
    db,
    `SELECT 'channel' AS kind, cm.id, cm.from_agent, '#' || c.name AS "to", cm.created_at,
       snippet(channel_messages_fts, 0, char(1), char(2), '…', 12) AS snippet, bm25(channel_messages_fts) AS rank
     FROM channel_messages_fts JOIN channel_messages cm ON cm.rowid = channel_messages_fts.rowid
       JOIN channels c ON c.id = cm.channel_id
     WHERE channel_messages_fts MATCH @match
       AND (@agent IS NULL OR cm.channel_id IN (SELECT channel_id FROM channel_members WHERE agent_id = @agent))
     ORDER BY rank LIMIT @limit`,
  ).all({ match, agent, limit });
