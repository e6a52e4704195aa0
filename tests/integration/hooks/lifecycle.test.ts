import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run } from '../../helpers/cli.js';
import { alive, group, groupMembers, sh, sql, waitFor, waitGone, waitGroupGone } from '../agor/fixture.js';
import { type Seen, hookYaml, recorder, waitSeen } from './fixture.js';

const auditOf = (db: string, type: string) =>
  sql(db, (d) => d.prepare('SELECT detail FROM audit_log WHERE event_type = ? ORDER BY id').all(type) as { detail: string }[]).map(
    (r) => JSON.parse(r.detail) as Record<string, unknown>,
  );

const status = (db: string, task: string, to: string) => expect(run('bttask', ['status', task, to], { db, as: 'admin' }).code).toBe(0);
/** What the hooks saw, in the order the changes were made (hooks run side by side, so they may finish in any order). */
const byChange = (seen: Seen[]) => [...seen].sort((a, b) => Number(a.stdin.change_id) - Number(b.stdin.change_id));

const addTask = (db: string, title: string) => (JSON.parse(run('bttask', ['add', title, '--json'], { db, as: 'admin' }).stdout) as { id: string }).id;

describe('hook processes', () => {
  test('a hook that outlives its timeout is stopped with its whole process group, and the timeout is audited', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const pidFile = join(g.dir, 'hook.pid');
    g.write(
      hookYaml(
        { wake: { command: ['sh', '-c', `echo $$ > ${pidFile}; sleep 1000 & sleep 1000`], timeout: '1s' } },
        { dev: { command: sh('sleep 1000'), mode: 'on-demand' } },
      ),
    );
    await g.up();
    expect((await g.agor(['wake', 'dev'])).code).toBe(0);
    const pid = await waitFor(
      'the hook to write its pid',
      () => {
        try {
          return Number(readFileSync(pidFile, 'utf8'));
        } catch {
          return 0;
        }
      },
      (p) => p > 0,
    );
    await waitFor(
      'both sleeps of the hook',
      () => groupMembers(pid),
      (m) => m.length >= 2,
    );
    await waitGroupGone(pid, 'the slow hook', 8000);
    const [failed] = await waitFor(
      'the audit entry',
      () => auditOf(g.db, 'hook_failed'),
      (a) => a.length === 1,
    );
    expect(failed).toMatchObject({ event: 'wake', command: 'sh', agent: 'dev', timed_out: true });
  });

  test('a hook that exits non-zero or cannot start is audited and counted by agor ps, and its output goes to the group hook log (mode 0600)', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished);
    const gone = join(g.dir, 'gone.sh');
    writeFileSync(gone, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    g.write(
      hookYaml(
        { wake: [['sh', '-c', 'echo "told to $AGOR_EVENT"; echo oops >&2; exit 7'], ['./gone.sh']] },
        { dev: { command: sh('sleep 1000'), mode: 'on-demand' } },
      ),
    );
    await g.up();
    // Removed after agor.yaml was read: the hook cannot be started.
    rmSync(gone);
    expect((await g.agor(['wake', 'dev'])).code).toBe(0);
    const failures = await waitFor(
      'two audit entries',
      () => auditOf(g.db, 'hook_failed'),
      (a) => a.length === 2,
    );
    const byCommand = Object.fromEntries(failures.map((f) => [f.command, f]));
    expect(byCommand.sh).toMatchObject({ event: 'wake', agent: 'dev', exit: 7, signal: null, timed_out: false });
    expect(byCommand['./gone.sh']).toMatchObject({ event: 'wake', exit: null, timed_out: false, error: expect.stringMatching(/ENOENT/) });
    // agor ps says so under its table (not in its JSON, which stays the list of agents).
    const ps = await g.agor(['ps'], { env: { NO_COLOR: '1' } });
    expect(ps.stdout).toMatch(/^hooks: 2 failed in the last hour \(last: wake (sh exit 7|\.\/gone\.sh did not start)\)/m);
    const log = join(dirname(g.db), 'hooks', 'test.log');
    const text = await waitFor(
      'the hook log',
      () => readFileSync(log, 'utf8'),
      (t) => t.includes('oops'),
    );
    expect(text).toMatch(/^\S+Z wake dev: \["sh","-c",/m);
    expect(text).toContain('told to wake');
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });

  test('task changes made while no supervisor runs fire after agor up, once each; changes from before hooks were first configured do not', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished);
    const r = recorder(g);
    const old = addTask(g.db, 'Older than the hooks');
    status(g.db, old, 'progress');
    g.write(hookYaml({ task_status: r.argv }, { dev: { command: sh('sleep 1000'), mode: 'on-demand' } }));
    await g.up();
    await g.down();
    const task = addTask(g.db, 'Changed offline');
    status(g.db, task, 'progress');
    status(g.db, task, 'review');
    expect(r.seen()).toEqual([]);
    await g.up();
    await waitSeen('both offline changes', r.seen, (s) => s.length >= 2);
    await g.down();
    expect(byChange(r.seen()).map((s) => [s.env.TASK_ID, s.env.OLD_STATUS, s.env.NEW_STATUS])).toEqual([
      [task, 'todo', 'progress'],
      [task, 'progress', 'review'],
    ]);
  });

  test('a supervisor killed with SIGKILL and started again does not fire the changes it had handled twice', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = recorder(g);
    g.write(hookYaml({ task_status: r.argv }, { dev: { command: sh('sleep 1000'), mode: 'on-demand' } }));
    const first = await g.up();
    const task = addTask(g.db, 'Survives a crash');
    status(g.db, task, 'progress');
    await waitSeen('the first change', r.seen, (s) => s.length === 1);
    process.kill(first.pid, 'SIGKILL');
    await waitGone(first.pid, 'the killed supervisor');
    status(g.db, task, 'review');
    await g.up();
    status(g.db, task, 'done');
    await waitSeen('the two later changes', r.seen, (s) => s.length >= 3);
    await g.down();
    expect(byChange(r.seen()).map((s) => s.env.NEW_STATUS)).toEqual(['progress', 'review', 'done']);
  });

  test('a hook that takes 5 s does not hold up the supervisor: agor ps answers at once meanwhile', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const marker = join(g.dir, 'slow.pid');
    g.write(hookYaml({ wake: ['sh', '-c', `echo $$ > ${marker}; sleep 5`] }, { dev: { command: sh('sleep 1000'), mode: 'on-demand' } }));
    await g.up();
    expect((await g.agor(['wake', 'dev'])).code).toBe(0);
    const pid = await waitFor(
      'the slow hook to start',
      () => {
        try {
          return Number(readFileSync(marker, 'utf8'));
        } catch {
          return 0;
        }
      },
      (p) => p > 0,
    );
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const [a] = await g.ps();
      expect(a).toMatchObject({ id: 'dev', supervised: true });
      expect(Date.now() - t0).toBeLessThan(1500);
    }
    expect(alive(pid)).toBe(true);
  });
});
