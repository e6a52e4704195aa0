import type { Migration } from './index.js';

/**
 * The supervisor's tables: runs and their outcomes, the durable wake queue, schedule
 * state, the one-supervisor-per-file lock, and each agent's last known state (so the
 * dashboard and `agor ps` can read it while no supervisor runs). Times are Unix
 * milliseconds.
 *
 * A direct message to an agor-managed agent enqueues a wake in the same transaction
 * that stores it, so a wake is never lost, whichever process wrote the message and
 * whether or not a supervisor runs. bttask tells assignees and reviewers by direct
 * message, so those become task and review wakes.
 */
export const supervisor: Migration = {
  version: 5,
  name: 'supervisor',
  up: `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  agent TEXT NOT NULL,
  incarnation INTEGER NOT NULL,
  pid INTEGER,
  pid_start INTEGER,
  boot_id TEXT,
  log_path TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  exit_code INTEGER,
  signal TEXT,
  outcome TEXT,
  wake_reason TEXT,
  error_class TEXT,
  note TEXT,
  timeout_ms INTEGER,
  restart_delay_ms INTEGER,
  peak_rss_kb INTEGER,
  heartbeat_at INTEGER,
  reported_outcome TEXT,
  report_reason TEXT,
  report_evidence TEXT,
  tokens_in INTEGER,
  tokens_out INTEGER,
  turns INTEGER,
  tool_calls INTEGER,
  cost_usd REAL,
  context_usage REAL
);
CREATE INDEX IF NOT EXISTS idx_runs_agent ON runs(agent, started_at);
CREATE INDEX IF NOT EXISTS idx_runs_open ON runs(agent) WHERE ended_at IS NULL;

CREATE TABLE IF NOT EXISTS wakes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  agent TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT,
  prompt TEXT,
  timeout_ms INTEGER,
  created_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  run_id TEXT,
  consumed_at INTEGER
);
CREATE INDEX IF NOT EXISTS idx_wakes_pending ON wakes(agent, id) WHERE run_id IS NULL;
CREATE INDEX IF NOT EXISTS idx_wakes_run ON wakes(run_id);

CREATE TABLE IF NOT EXISTS schedules (
  agent TEXT NOT NULL,
  key TEXT NOT NULL,
  last_fired_at INTEGER,
  fired INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (agent, key)
);

CREATE TABLE IF NOT EXISTS supervisor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  pid_start INTEGER NOT NULL,
  boot_id TEXT,
  host TEXT,
  socket TEXT NOT NULL,
  config TEXT,
  group_id TEXT,
  log TEXT,
  started_at INTEGER NOT NULL,
  ready INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS agent_state (
  agent TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  state TEXT NOT NULL,
  health TEXT NOT NULL,
  run_id TEXT,
  pid INTEGER,
  restarts INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_output_at INTEGER,
  next_start_at INTEGER,
  attention INTEGER NOT NULL DEFAULT 0,
  attention_reason TEXT,
  updated_at INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS messages_wake_ai AFTER INSERT ON messages
WHEN new.from_agent != new.to_agent AND (SELECT managed FROM agents WHERE id = new.to_agent) = 1 BEGIN
  INSERT INTO wakes(agent, reason, detail) VALUES (new.to_agent,
    CASE WHEN new.content LIKE 'Task assigned to you:%' THEN 'task'
         WHEN new.content LIKE 'Review requested:%' THEN 'review'
         ELSE 'message' END,
    new.id);
END;
`,
};
