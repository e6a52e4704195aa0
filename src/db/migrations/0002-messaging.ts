import type { Migration } from './index.js';
import { addColumns } from './reconcile.js';

/**
 * Delivery states, injection flags, dead-letter ids, the operator, indexes and FTS5.
 * New columns all have defaults and the triggers are plain SQL, so the earlier tools
 * keep inserting rows the way they always did.
 */
const SQL = `
CREATE INDEX IF NOT EXISTS idx_messages_inbox ON messages(to_agent, read, created_at);
CREATE INDEX IF NOT EXISTS idx_messages_to ON messages(to_agent, created_at);
CREATE INDEX IF NOT EXISTS idx_messages_pair ON messages(from_agent, to_agent, created_at);
CREATE INDEX IF NOT EXISTS idx_messages_reply ON messages(reply_to);
CREATE INDEX IF NOT EXISTS idx_messages_created ON messages(created_at);
CREATE INDEX IF NOT EXISTS idx_channel_messages_channel ON channel_messages(channel_id, created_at);
CREATE INDEX IF NOT EXISTS idx_channel_messages_created ON channel_messages(created_at);
CREATE INDEX IF NOT EXISTS idx_channel_members_agent ON channel_members(agent_id);
CREATE INDEX IF NOT EXISTS idx_channels_name ON channels(name);
CREATE INDEX IF NOT EXISTS idx_contacts_contact ON contacts(contact_id);
CREATE INDEX IF NOT EXISTS idx_audit_agent ON audit_log(agent_id, id);
CREATE INDEX IF NOT EXISTS idx_audit_type ON audit_log(event_type, id);
CREATE INDEX IF NOT EXISTS idx_audit_created ON audit_log(created_at);
CREATE INDEX IF NOT EXISTS idx_dlq_to ON dead_letter_queue(to_agent);

CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(content, content='messages', content_rowid='rowid');
CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE IF NOT EXISTS channel_messages_fts USING fts5(content, content='channel_messages', content_rowid='rowid');
CREATE TRIGGER IF NOT EXISTS channel_messages_fts_ai AFTER INSERT ON channel_messages BEGIN
  INSERT INTO channel_messages_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER IF NOT EXISTS channel_messages_fts_ad AFTER DELETE ON channel_messages BEGIN
  INSERT INTO channel_messages_fts(channel_messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER IF NOT EXISTS channel_messages_fts_au AFTER UPDATE OF content ON channel_messages BEGIN
  INSERT INTO channel_messages_fts(channel_messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
  INSERT INTO channel_messages_fts(rowid, content) VALUES (new.rowid, new.content);
END;
INSERT INTO channel_messages_fts(channel_messages_fts) VALUES ('rebuild');

INSERT OR IGNORE INTO agents (id, name, role, group_id, tier) VALUES ('admin', 'Operator', 'admin', '*', 0);
`;

export const messaging: Migration = {
  version: 2,
  name: 'messaging',
  up: (db) => {
    // Only those a file lacks: a version of an earlier tool may have made some already.
    addColumns(db, [
      ['messages', 'delivered_at TEXT'],
      ['messages', 'seen_at TEXT'],
      ['messages', 'acked_at TEXT'],
      ['messages', 'flags TEXT'],
      ['channel_messages', 'flags TEXT'],
      ['agents', 'managed INTEGER NOT NULL DEFAULT 0'],
      ['dead_letter_queue', 'message_id TEXT'],
      ['dead_letter_queue', 'reply_to TEXT'],
      ['dead_letter_queue', 'flags TEXT'],
    ]);
    db.exec(SQL);
  },
};
