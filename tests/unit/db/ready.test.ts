import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../../src/db/open.js';
import { readyTasks } from '../../../src/db/tasks.js';
import { tempDb } from '../../helpers/cli.js';

// The earlier tools write tasks with plain SQL; the dependency counts behind `ready`
// must stay right whoever writes.
describe('the ready index', () => {
  let t: ReturnType<typeof tempDb>;
  let db: Db;
  const add = (id: string, status = 'todo') =>
    db.prepare(`INSERT INTO tasks (id, title, status, created_by, group_id) VALUES (?, ?, ?, 'admin', 'g')`).run(id, id, status);
  const dep = (task: string, on: string) => db.prepare(`INSERT INTO task_deps (task_id, depends_on, created_by) VALUES (?, ?, 'admin')`).run(task, on);
  const open = (id: string) => (db.prepare('SELECT open_deps AS n FROM tasks WHERE id = ?').get(id) as { n: number }).n;
  const ready = () =>
    readyTasks(db, null, 100)
      .map((r) => r.id)
      .sort();

  beforeEach(() => {
    t = tempDb();
    db = openDb({ path: t.db });
  });
  afterEach(() => {
    db.close();
    t.cleanup();
  });

  it('counts unfinished dependencies as they are added, finished, reopened and removed', () => {
    add('build');
    add('design');
    add('spec', 'done');
    dep('build', 'design');
    dep('build', 'spec');
    expect(open('build')).toBe(1);
    expect(ready()).toEqual(['design']);

    db.prepare(`UPDATE tasks SET status = 'done' WHERE id = 'design'`).run();
    expect(open('build')).toBe(0);
    expect(ready()).toEqual(['build']);

    db.prepare(`UPDATE tasks SET status = 'progress' WHERE id = 'design'`).run();
    expect(open('build')).toBe(1);
    db.prepare(`DELETE FROM task_deps WHERE task_id = 'build' AND depends_on = 'design'`).run();
    expect(open('build')).toBe(0);
    expect(ready()).toEqual(['build']);
  });

  it('unblocks the dependents of a task deleted with plain SQL', () => {
    add('build');
    add('design');
    dep('build', 'design');
    expect(ready()).toEqual(['design']);
    db.prepare(`DELETE FROM tasks WHERE id = 'design'`).run();
    expect(open('build')).toBe(0);
    expect(ready()).toEqual(['build']);
    expect(db.prepare('SELECT count(*) AS n FROM task_deps').get()).toEqual({ n: 0 });
  });

  it('moves between states other than done without changing any count', () => {
    add('a');
    add('b');
    dep('a', 'b');
    for (const s of ['progress', 'review', 'blocked', 'todo']) db.prepare('UPDATE tasks SET status = ? WHERE id = ?').run(s, 'b');
    expect(open('a')).toBe(1);
  });
});
