import type { Migration } from './index.js';

/**
 * The board's additions: dependencies, leases, per-field history, indexes and FTS5 over
 * titles, descriptions and comments. The earlier tools' tasks table is untouched.
 */
export const board: Migration = {
  version: 3,
  name: 'board',
  up: `
CREATE TABLE IF NOT EXISTS task_deps (
  task_id TEXT NOT NULL,
  depends_on TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now')),
  PRIMARY KEY (task_id, depends_on)
);
CREATE INDEX IF NOT EXISTS idx_task_deps_on ON task_deps(depends_on);

-- One row per claim. state: active, released, expired, finished.
CREATE TABLE IF NOT EXISTS task_leases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  run_id TEXT,
  duration INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  assigned_before TEXT,
  state TEXT NOT NULL DEFAULT 'active',
  claimed_at TEXT DEFAULT (datetime('now')),
  ended_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_task_leases_active ON task_leases(task_id) WHERE state = 'active';
CREATE INDEX IF NOT EXISTS idx_task_leases_expiry ON task_leases(expires_at) WHERE state = 'active';
CREATE INDEX IF NOT EXISTS idx_task_leases_agent ON task_leases(agent_id, state);
CREATE INDEX IF NOT EXISTS idx_task_leases_task ON task_leases(task_id, id);

CREATE TABLE IF NOT EXISTS task_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  created_at TEXT DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS idx_task_history_task ON task_history(task_id, id);

CREATE INDEX IF NOT EXISTS idx_tasks_ready ON tasks(status,
  (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END),
  sort_order, created_at);
CREATE INDEX IF NOT EXISTS idx_tasks_assigned ON tasks(assigned_to, status);
CREATE INDEX IF NOT EXISTS idx_tasks_parent ON tasks(parent_task_id);
CREATE INDEX IF NOT EXISTS idx_task_comments_task ON task_comments(task_id, created_at);

CREATE VIRTUAL TABLE IF NOT EXISTS tasks_fts USING fts5(title, description, content='tasks', content_rowid='rowid');
CREATE TRIGGER IF NOT EXISTS tasks_fts_ai AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
CREATE TRIGGER IF NOT EXISTS tasks_fts_ad AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
END;
CREATE TRIGGER IF NOT EXISTS tasks_fts_au AFTER UPDATE OF title, description ON tasks BEGIN
  INSERT INTO tasks_fts(tasks_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
  INSERT INTO tasks_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
INSERT INTO tasks_fts(tasks_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE IF NOT EXISTS task_comments_fts USING fts5(content, content='task_comments', content_rowid='rowid');
CREATE TRIGGER IF NOT EXISTS task_comments_fts_ai AFTER INSERT ON task_comments BEGIN
  INSERT INTO task_comments_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER IF NOT EXISTS task_comments_fts_ad AFTER DELETE ON task_comments BEGIN
  INSERT INTO task_comments_fts(task_comments_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER IF NOT EXISTS task_comments_fts_au AFTER UPDATE OF content ON task_comments BEGIN
  INSERT INTO task_comments_fts(task_comments_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
  INSERT INTO task_comments_fts(rowid, content) VALUES (new.rowid, new.content);
END;
INSERT INTO task_comments_fts(task_comments_fts) VALUES ('rebuild');
`,
};
