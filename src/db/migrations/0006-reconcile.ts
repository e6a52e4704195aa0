import type { Migration } from './index.js';
import { LEGACY_TABLES, createdEmpty } from './0001-legacy.js';
import { messaging } from './0002-messaging.js';
import { board } from './0003-board.js';
import { ready } from './0004-ready.js';
import { supervisor } from './0005-supervisor.js';
import { reconcile } from './reconcile.js';

/**
 * Files that earlier agor versions migrated to version 5 may still lack what the first
 * migration assumed every btmsg.db had (a CLI-made file has no messages.sender_group_id,
 * so sending failed), and the earlier tools' indexes of the same name as agor's
 * (idx_messages_to, idx_tasks_assigned, idx_task_comments_task) stood in for agor's.
 * This brings every table, column, index and trigger of versions 1-5 into the file,
 * keeping every row.
 */
export const reconcileSchema: Migration = {
  version: 6,
  name: 'reconcile-legacy',
  up: (db) => {
    if (createdEmpty.has(db)) return;
    const done = reconcile(db, [LEGACY_TABLES, messaging.up, board.up, ready.up, supervisor.up]);
    if (done.columns.includes('tasks.open_deps')) {
      db.exec(`UPDATE tasks SET open_deps = (
        SELECT count(*) FROM task_deps d JOIN tasks x ON x.id = d.depends_on WHERE d.task_id = tasks.id AND x.status != 'done')`);
    }
    db.exec(`INSERT OR IGNORE INTO agents (id, name, role, group_id, tier) VALUES ('admin', 'Operator', 'admin', '*', 0)`);
  },
};
