import type { Migration } from './index.js';

/**
 * Full-text search over what agents' runs wrote (`agor search`): the readable, scrubbed
 * text of each run's log in chunks of lines, an FTS5 index over them, and which runs are
 * done. Deleting a run (the 100-runs retention) deletes its chunks, so search never shows
 * a run that is gone.
 */
export const runLogSearch: Migration = {
  version: 15,
  name: 'run-log-search',
  up: `
    CREATE TABLE IF NOT EXISTS run_log_chunks (
      id INTEGER PRIMARY KEY,
      run_id TEXT NOT NULL,
      agent TEXT NOT NULL,
      line_no INTEGER NOT NULL,
      text TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS run_log_chunks_run ON run_log_chunks(run_id);
    CREATE VIRTUAL TABLE IF NOT EXISTS run_log_fts USING fts5(text, content='run_log_chunks', content_rowid='id');
    CREATE TRIGGER IF NOT EXISTS run_log_chunks_ai AFTER INSERT ON run_log_chunks BEGIN
      INSERT INTO run_log_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER IF NOT EXISTS run_log_chunks_ad AFTER DELETE ON run_log_chunks BEGIN
      INSERT INTO run_log_fts(run_log_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TABLE IF NOT EXISTS run_log_indexed (
      run_id TEXT PRIMARY KEY,
      indexed_at INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      lines INTEGER NOT NULL,
      chunks INTEGER NOT NULL,
      truncated INTEGER NOT NULL DEFAULT 0
    );
    CREATE TRIGGER IF NOT EXISTS runs_log_search_ad AFTER DELETE ON runs BEGIN
      DELETE FROM run_log_chunks WHERE run_id = old.id;
      DELETE FROM run_log_indexed WHERE run_id = old.id;
    END;
  `,
};
