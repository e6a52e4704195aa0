import type { Migration } from './index.js';
import { reconcile } from './reconcile.js';

/**
 * The tables of the earlier tools (the Python btmsg and bttask CLIs, the desktop app),
 * with every column any of them made. Each made only some of them, so an existing
 * btmsg.db has some of these tables and columns, not all.
 */
export const LEGACY_TABLES = `
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  group_id TEXT NOT NULL,
  tier INTEGER NOT NULL DEFAULT 2,
  model TEXT,
  cwd TEXT,
  system_prompt TEXT,
  status TEXT DEFAULT 'stopped',
  last_active_at TEXT,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS contacts (
  agent_id TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  PRIMARY KEY (agent_id, contact_id)
);
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  from_agent TEXT NOT NULL,
  to_agent TEXT NOT NULL,
  content TEXT NOT NULL,
  read INTEGER DEFAULT 0,
  reply_to TEXT,
  group_id TEXT NOT NULL,
  sender_group_id TEXT,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS channels (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  group_id TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS channel_members (
  channel_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  joined_at TEXT DEFAULT (datetime('now')),
  PRIMARY KEY (channel_id, agent_id)
);
CREATE TABLE IF NOT EXISTS channel_messages (
  id TEXT PRIMARY KEY,
  channel_id TEXT NOT NULL,
  from_agent TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  description TEXT DEFAULT '',
  status TEXT DEFAULT 'todo',
  priority TEXT DEFAULT 'medium',
  assigned_to TEXT,
  created_by TEXT NOT NULL,
  group_id TEXT NOT NULL,
  parent_task_id TEXT,
  sort_order INTEGER DEFAULT 0,
  created_at TEXT DEFAULT (datetime('now')),
  updated_at TEXT DEFAULT (datetime('now')),
  version INTEGER DEFAULT 1
);
CREATE TABLE IF NOT EXISTS task_comments (
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS heartbeats (
  agent_id TEXT PRIMARY KEY,
  timestamp INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letter_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  from_agent TEXT NOT NULL,
  to_agent TEXT NOT NULL,
  content TEXT NOT NULL,
  error TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  agent_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  detail TEXT,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS seen_messages (
  session_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  seen_at INTEGER NOT NULL DEFAULT (strftime('%s','now')),
  PRIMARY KEY (session_id, message_id)
);
`;

/**
 * On a new file, lays the same ground the earlier tools did; on an existing btmsg.db,
 * adds the tables and columns that the program which made it did not (a CLI-made file
 * lacks messages.sender_group_id, a desktop-made one tasks.version), so the later
 * migrations and both kinds of earlier tools find what they use.
 */
export const legacy: Migration = {
  version: 1,
  name: 'legacy-tables',
  up: (db) => {
    if ((db.prepare(`SELECT count(*) AS n FROM sqlite_master`).get() as { n: number }).n === 0) {
      db.exec(LEGACY_TABLES);
      createdEmpty.add(db);
      return;
    }
    reconcile(db, [LEGACY_TABLES]);
  },
};

/**
 * Connections that migrated a file from empty in this process: versions 1-5 made exactly
 * the schema migration 6 checks for, so it skips the comparison (about 25 ms on every new
 * file).
 */
export const createdEmpty = new WeakSet<object>();
