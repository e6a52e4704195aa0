import type { Migration } from './index.js';
import { addColumns } from './reconcile.js';

const SQL = `
UPDATE tasks SET open_deps = (
  SELECT count(*) FROM task_deps d JOIN tasks x ON x.id = d.depends_on WHERE d.task_id = tasks.id AND x.status != 'done');

CREATE TRIGGER IF NOT EXISTS task_deps_open_ai AFTER INSERT ON task_deps
WHEN coalesce((SELECT status FROM tasks WHERE id = new.depends_on), 'done') != 'done' BEGIN
  UPDATE tasks SET open_deps = open_deps + 1 WHERE id = new.task_id;
END;
CREATE TRIGGER IF NOT EXISTS task_deps_open_ad AFTER DELETE ON task_deps
WHEN coalesce((SELECT status FROM tasks WHERE id = old.depends_on), 'done') != 'done' BEGIN
  UPDATE tasks SET open_deps = max(0, open_deps - 1) WHERE id = old.task_id;
END;
CREATE TRIGGER IF NOT EXISTS tasks_open_deps_au AFTER UPDATE OF status ON tasks
WHEN (old.status = 'done') != (new.status = 'done') BEGIN
  UPDATE tasks SET open_deps = max(0, open_deps + CASE WHEN new.status = 'done' THEN -1 ELSE 1 END)
  WHERE id IN (SELECT task_id FROM task_deps WHERE depends_on = new.id);
END;
-- Before the row goes, so the dependency triggers still see the task's status.
CREATE TRIGGER IF NOT EXISTS tasks_deps_bd BEFORE DELETE ON tasks BEGIN
  DELETE FROM task_deps WHERE task_id = old.id OR depends_on = old.id;
END;

DROP INDEX IF EXISTS idx_tasks_ready;
CREATE INDEX idx_tasks_ready ON tasks(status, open_deps,
  (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END),
  sort_order, created_at);
`;

/**
 * `tasks.open_deps`: how many of a task's dependencies are not done, kept by plain-SQL
 * triggers (so the earlier tools' writes keep it right too). With it, `ready` is one
 * index range instead of a dependency check per todo task: a board of 100 000 tasks
 * answers as fast as an empty one, however many todo tasks wait on unfinished work.
 */
export const ready: Migration = {
  version: 4,
  name: 'ready-index',
  up: (db) => {
    addColumns(db, [['tasks', 'open_deps INTEGER NOT NULL DEFAULT 0']]);
    db.exec(SQL);
  },
};
