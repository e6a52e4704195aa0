import { beforeEach, describe, expect, it } from 'vitest';
import { type Board, type Task, EXIT, insertTasks, ok, refused, snapshot, sql, useTeam } from './fixture.js';

const team = useTeam();
let b: Board;
beforeEach(() => {
  b = team.fresh();
});

describe('bttask optimistic locking (--expect-version)', () => {
  it('refuses assign, status and delete at a stale version with exit 5 and a hint to re-read, changing nothing', () => {
    const [t] = insertTasks(b.db, [{ title: 'Contended' }]);
    expect(ok<Task>(b.boss(['assign', t!, 'alice', '--json'])).version).toBe(2);
    const before = snapshot(b.db);

    for (const args of [
      ['assign', t!, 'bob'],
      ['status', t!, 'progress'],
      ['delete', t!],
    ]) {
      const r = b.boss([...args, '--expect-version', '1']);
      refused(r, EXIT.CONFLICT, /^bttask: task [0-9a-f]{8} is at version 2, not 1: someone changed it$/);
      expect(r.stderr.split('\n')[1]).toMatch(/^ {2}hint: re-read it \(bttask show [0-9a-f]{8}\)/);
    }
    expect(snapshot(b.db)).toEqual(before);
  });

  it('applies assign, status and delete at the current version, each moving the version on', () => {
    const [t] = insertTasks(b.db, [{ title: 'Calm' }]);
    expect(ok<Task>(b.boss(['assign', t!, 'alice', '--expect-version', '1', '--json']))).toMatchObject({ assigned_to: 'alice', version: 2 });
    expect(ok<Task>(b.boss(['status', t!, 'progress', '--expect-version', '2', '--json']))).toMatchObject({ status: 'progress', version: 3 });
    ok(b.boss(['delete', t!, '--expect-version', '3', '--json']));
    refused(b.boss(['show', t!]), EXIT.NOT_FOUND, /no task with id/);
  });

  it('lets exactly one of two writers that read the same version win; the other gets exit 5', async () => {
    const tasks = insertTasks(b.db, [{ title: 'a' }, { title: 'b' }, { title: 'c' }, { title: 'd' }]);
    const rounds = await Promise.all(
      tasks.map((t) =>
        Promise.all([b.asAsync('boss')(['status', t, 'blocked', '--expect-version', '1']), b.asAsync('admin')(['assign', t, 'bob', '--expect-version', '1'])]),
      ),
    );
    for (const [status, assign] of rounds) expect([status.code, assign.code].sort()).toEqual([EXIT.OK, EXIT.CONFLICT]);
    const rows = sql(b.db, (db) => db.prepare('SELECT id, status, assigned_to, version FROM tasks ORDER BY rowid').all()) as Task[];
    rows.forEach((row, i) => {
      const [status] = rounds[i]!;
      expect(row).toEqual(
        status.code === 0 ? { id: tasks[i], status: 'blocked', assigned_to: null, version: 2 } : { id: tasks[i], status: 'todo', assigned_to: 'bob', version: 2 },
      );
    });
  });
});
