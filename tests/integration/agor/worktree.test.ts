import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, runAsync, sql } from '../../helpers/cli.js';
import { EXIT, type GroupSpec, group, refused, sh, waitFor } from './fixture.js';

const ID = ['-c', 'user.email=t@t', '-c', 'user.name=t'];

/** git in `cwd`, expecting success; its stdout. */
function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

/** A repository at DIR/repo with one commit of shared.txt on main. */
function makeRepo(dir: string): string {
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'shared.txt'), 'line one\nline two\n');
  git(repo, 'add', 'shared.txt');
  git(repo, ...ID, 'commit', '-qm', 'init');
  return repo;
}

/** An on-demand agent working in the repository's worktree that runs `script` once per wake. */
const worker = (script: string, extra: Record<string, unknown> = {}) => ({ mode: 'on-demand', cwd: 'repo', worktree: true, command: sh(script), ...extra });
const commitAs = (who: string) => `git -c user.email=${who}@t -c user.name=${who}`;

interface WorktreeJson {
  agent: string;
  path: string;
  branch: string;
  base: string;
  ahead: number;
  behind: number;
  uncommitted: string[];
}

describe.concurrent('agor worktrees', () => {
  it('gives two agents with worktree: true a worktree each on their own branch, and leaves the main checkout untouched', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const repo = makeRepo(g.dir);
    const spec: GroupSpec = {
      agents: {
        a: worker(`pwd > where.txt; echo a >> shared.txt; ${commitAs('a')} commit -qam a`),
        b: worker(`pwd > where.txt; echo b > b.txt`),
      },
    };
    g.write(spec);
    await g.up();
    await g.agor(['wake', 'a']);
    await g.agor(['wake', 'b']);
    await g.waitRuns('a', 'a run that succeeded', (rs) => rs.some((r) => r.outcome === 'success'), 20_000);
    await g.waitRuns('b', 'a run that succeeded', (rs) => rs.some((r) => r.outcome === 'success'), 20_000);

    const wa = join(repo, 'agor-worktrees', 'a');
    const wb = join(repo, 'agor-worktrees', 'b');
    const listed = git(repo, 'worktree', 'list', '--porcelain');
    expect(listed).toContain(`worktree ${wa}\nHEAD`);
    expect(listed).toContain('branch refs/heads/agor/a');
    expect(listed).toContain(`worktree ${wb}\nHEAD`);
    expect(listed).toContain('branch refs/heads/agor/b');
    // Each run worked in its own worktree, and nothing it wrote is in the main checkout.
    expect(readFileSync(join(wa, 'where.txt'), 'utf8').trim()).toBe(wa);
    expect(readFileSync(join(wb, 'where.txt'), 'utf8').trim()).toBe(wb);
    expect(existsSync(join(repo, 'where.txt'))).toBe(false);
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).toBe('line one\nline two\n');
    expect(git(repo, 'status', '--porcelain')).toBe('');

    const list = await g.ok<WorktreeJson[]>(['worktree', 'list']);
    expect(list).toEqual([
      expect.objectContaining({ agent: 'a', path: wa, branch: 'agor/a', base: 'main', ahead: 1, behind: 0, uncommitted: ['where.txt'] }),
      expect.objectContaining({ agent: 'b', path: wb, branch: 'agor/b', base: 'main', ahead: 0, behind: 0, uncommitted: ['b.txt', 'where.txt'] }),
    ]);
    // agor ps names each agent's worktree, with a supervisor and without.
    const shown = async () => (await g.ps()).map((a) => [a.id, a.worktree]);
    const expected = [
      ['a', { path: wa, branch: 'agor/a', base: 'main' }],
      ['b', { path: wb, branch: 'agor/b', base: 'main' }],
    ];
    expect(await shown()).toEqual(expected);
    // Without a supervisor too.
    expect((await g.down()).code).toBe(0);
    expect((await g.ok<WorktreeJson[]>(['worktree', 'list'])).map((w) => w.agent)).toEqual(['a', 'b']);
    expect(await shown()).toEqual(expected);
  });

  it('keeps the worktree across a kill -9 of the supervisor and re-adoption, and a restart runs in the same one', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const repo = makeRepo(g.dir);
    g.write({ agents: { svc: { cwd: 'repo', worktree: true, stop_grace: '1s', command: sh('while :; do pwd >> where.txt; sleep 0.2; done') } } });
    const first = await g.up();
    const a = await g.waitAgent('svc', 'running', (x) => x.pid !== null, 20_000);
    const path = join(repo, 'agor-worktrees', 'svc');
    process.kill(first.pid, 'SIGKILL');
    await g.up();
    expect(await g.agent('svc')).toMatchObject({ state: 'running', pid: a.pid, supervised: true });
    const before = readFileSync(join(path, 'where.txt'), 'utf8').length;
    await waitFor(
      'the re-adopted run to write on',
      () => readFileSync(join(path, 'where.txt'), 'utf8').length,
      (n) => n > before,
      { timeout: 5000, interval: 50 },
    );

    expect((await g.agor(['restart', 'svc'])).code).toBe(0);
    const b = await g.waitAgent('svc', 'running again', (x) => x.pid !== null && x.pid !== a.pid, 20_000);
    expect(b.run_id).not.toBe(a.run_id);
    const lines = new Set(readFileSync(join(path, 'where.txt'), 'utf8').trim().split('\n'));
    expect([...lines]).toEqual([path]);
    // Still one worktree of the agent's, on its branch.
    expect(git(repo, 'worktree', 'list').trim().split('\n')).toHaveLength(2);
    expect((await g.ok<WorktreeJson[]>(['worktree', 'list'])).map((w) => [w.path, w.branch])).toEqual([[path, 'agor/svc']]);
  });

  it('fails a start whose worktree cannot be made with error class worktree, saying why', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    mkdirSync(join(g.dir, 'plain'));
    g.write({ agents: { lost: { mode: 'on-demand', worktree: { repo: 'plain' }, command: sh('echo never') } } });
    await g.up();
    await g.agor(['wake', 'lost']);
    const [run] = await g.waitRuns('lost', 'a failed run', (rs) => rs.some((r) => r.outcome === 'failed'), 20_000);
    expect(run).toMatchObject({ outcome: 'failed', error_class: 'worktree', note: expect.stringMatching(/not in a git repository/) });
  });

  it('refuses worktree rm with uncommitted work or unmerged commits, naming them; --force removes worktree and branch, and the next start makes a new one', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished);
    const repo = makeRepo(g.dir);
    g.write({ agents: { w: worker(`echo x > new.txt; ${commitAs('w')} add new.txt; ${commitAs('w')} commit -qm 'add new'; echo draft > draft.txt`) } });
    await g.up();
    await g.agor(['wake', 'w']);
    await g.waitRuns('w', 'a run that succeeded', (rs) => rs.some((r) => r.outcome === 'success'), 20_000);
    const path = join(repo, 'agor-worktrees', 'w');

    const r = await g.agor(['worktree', 'rm', 'w']);
    refused(r, EXIT.CONFLICT, /would be lost/);
    expect(r.stderr).toMatch(/uncommitted: draft\.txt/);
    expect(r.stderr).toMatch(/not merged into main: [0-9a-f]+ add new/);
    expect(existsSync(join(path, 'draft.txt'))).toBe(true);

    const f = await g.ok<{ branchDeleted: boolean }>(['worktree', 'rm', 'w', '--force']);
    expect(f.branchDeleted).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(git(repo, 'branch', '--list', 'agor/w')).toBe('');
    expect(await g.ok(['worktree', 'list'])).toEqual([]);
    // The agent's next start makes a fresh one, from main again.
    await g.agor(['wake', 'w']);
    await g.waitRuns('w', 'a second run that succeeded', (rs) => rs.filter((r) => r.outcome === 'success').length === 2, 20_000);
    expect(git(path, 'log', '--format=%s').trim().split('\n')).toEqual(['add new', 'init']);
  });

  it('refuses worktree sync while the agent runs; when it is idle brings base in, and aborts cleanly on a conflict', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const repo = makeRepo(g.dir);
    g.write({
      agents: {
        s: {
          cwd: 'repo',
          worktree: true,
          stop_grace: '1s',
          command: sh(`echo mine > mine.txt; ${commitAs('s')} add mine.txt; ${commitAs('s')} commit -qm mine; sleep 60`),
        },
      },
    });
    await g.up();
    await g.waitAgent('s', 'running', (x) => x.pid !== null, 20_000);
    const path = join(repo, 'agor-worktrees', 's');
    await waitFor(
      'the agent to commit',
      () => git(path, 'log', '--format=%s', '-1').trim(),
      (s) => s === 'mine',
      { timeout: 10_000, interval: 100 },
    );
    refused(await g.agor(['worktree', 'sync', 's']), EXIT.CONFLICT, /s is running/);
    expect((await g.agor(['stop', 's'])).code).toBe(0);

    writeFileSync(join(repo, 'base.txt'), 'from main\n');
    git(repo, 'add', 'base.txt');
    git(repo, ...ID, 'commit', '-qm', 'base moves on');
    const synced = await g.ok<{ status: string }>(['worktree', 'sync', 's', '--rebase']);
    expect(synced.status).toBe('synced');
    expect(readFileSync(join(path, 'base.txt'), 'utf8')).toBe('from main\n');
    expect(git(path, 'log', '--format=%s').trim().split('\n')).toEqual(['mine', 'base moves on', 'init']);

    // Both sides change one line: the merge is aborted, the branch and worktree as they were.
    writeFileSync(join(path, 'shared.txt'), 'line one S\nline two\n');
    git(path, ...ID, 'commit', '-qam', 's edits');
    writeFileSync(join(repo, 'shared.txt'), 'line one MAIN\nline two\n');
    git(repo, ...ID, 'commit', '-qam', 'main edits');
    const head = git(path, 'rev-parse', 'HEAD');
    const c = await g.agor(['worktree', 'sync', 's', '--json']);
    expect(c.code).toBe(EXIT.CONFLICT);
    expect(json<{ status: string; conflicts: string[] }>(c)).toMatchObject({ status: 'conflict', conflicts: ['shared.txt'] });
    expect(git(path, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(path, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(git(path, 'rev-parse', '--absolute-git-dir').trim(), 'MERGE_HEAD'))).toBe(false);
  });
});

describe.concurrent('agor merge', () => {
  const twoWays = (): GroupSpec => ({
    agents: {
      left: worker(`printf 'line one LEFT\\nline two\\n' > shared.txt; ${commitAs('l')} commit -qam left`),
      right: worker(`printf 'line one RIGHT\\nline two\\n' > shared.txt; ${commitAs('r')} commit -qam right`),
      rev: { mode: 'on-demand', role: 'reviewer', command: sh('true') },
    },
  });

  it('merges a clean branch into main and audits who merged what; refuses a conflicting one listing the file, changing nothing', async ({ onTestFinished }) => {
    const g = group(onTestFinished, twoWays());
    const repo = makeRepo(g.dir);
    await g.up();
    await g.agor(['wake', 'left']);
    await g.agor(['wake', 'right']);
    for (const a of ['left', 'right']) await g.waitRuns(a, 'a run that succeeded', (rs) => rs.some((r) => r.outcome === 'success'), 20_000);

    // An agent of the worker role may not merge; a reviewer may.
    refused(await g.agor(['merge', 'left'], { as: 'right' }), EXIT.NOT_PERMITTED, /right may not merge/);
    const before = git(repo, 'rev-parse', 'main').trim();
    const m = await g.ok<{ status: string; before: string; after: string; into: string }>(['merge', 'left'], { as: 'rev' });
    expect(m).toMatchObject({ status: 'fast-forward', before, into: 'main' });
    expect(git(repo, 'rev-parse', 'main').trim()).toBe(m.after);
    // main is checked out: its files follow.
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).toBe('line one LEFT\nline two\n');
    const audit = sql(g.db, (db) => db.prepare(`SELECT agent_id, detail FROM audit_log WHERE event_type = 'merge'`).all()) as { agent_id: string; detail: string }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]!.agent_id).toBe('rev');
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ agent: 'left', branch: 'agor/left', into: 'main', before, after: m.after });

    const main = git(repo, 'rev-parse', 'main');
    const right = git(repo, 'rev-parse', 'agor/right');
    const r = await g.agor(['merge', 'right']);
    refused(r, EXIT.CONFLICT, /agor\/right would not merge cleanly into main: shared\.txt/);
    expect(git(repo, 'rev-parse', 'main')).toBe(main);
    expect(git(repo, 'rev-parse', 'agor/right')).toBe(right);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('merges into a branch checked out nowhere with a merge commit built without a working tree', async ({ onTestFinished }) => {
    const g = group(onTestFinished, twoWays());
    const repo = makeRepo(g.dir);
    git(repo, 'branch', 'release');
    writeFileSync(join(repo, 'other.txt'), 'release only\n');
    git(repo, 'checkout', '-q', 'release');
    git(repo, 'add', 'other.txt');
    git(repo, ...ID, 'commit', '-qm', 'release work');
    git(repo, 'checkout', '-q', 'main');
    await g.up();
    await g.agor(['wake', 'left']);
    await g.waitRuns('left', 'a run that succeeded', (rs) => rs.some((r) => r.outcome === 'success'), 20_000);
    const m = await g.ok<{ status: string; after: string; in: string | null }>(['merge', 'left', '--into', 'release']);
    expect(m).toMatchObject({ status: 'merged', in: null });
    expect(git(repo, 'rev-parse', 'release').trim()).toBe(m.after);
    expect(git(repo, 'show', 'release:shared.txt')).toBe('line one LEFT\nline two\n');
    expect(git(repo, 'show', 'release:other.txt')).toBe('release only\n');
    expect(git(repo, 'log', '-1', '--format=%P', 'release').trim().split(' ')).toHaveLength(2);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it("merges the assignee's branch when a reviewer moves a --merge-on-done task to done, and comments the outcome", async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        dev: worker(`echo feature > feature.txt; git add feature.txt; ${commitAs('d')} commit -qm feature || true`),
        rev: { mode: 'on-demand', role: 'reviewer', command: sh('true') },
      },
    });
    const repo = makeRepo(g.dir);
    await g.up();
    const bttask = (args: string[], as: string) => runAsync('bttask', [...args, '--db', g.db], { as });
    const add = await bttask(['add', 'Build the feature', '--assign', 'dev', '--merge-on-done', '--json'], 'admin');
    expect(add.code, add.stderr).toBe(0);
    const id = (JSON.parse(add.stdout) as { id: string }).id;
    await g.waitRuns('dev', 'a run that succeeded', (rs) => rs.some((r) => r.outcome === 'success'), 20_000);
    expect((await bttask(['status', id, 'review'], 'dev')).code).toBe(0);
    expect((await bttask(['status', id, 'done'], 'rev')).code).toBe(0);

    const comments = () => sql(g.db, (db) => db.prepare('SELECT content FROM task_comments WHERE task_id = ?').all(id) as { content: string }[]);
    await waitFor('the merge comment', comments, (cs) => cs.some((c) => /^merge on done: merged agor\/dev into main/.test(c.content)), {
      timeout: 20_000,
      interval: 150,
    });
    expect(git(repo, 'show', 'main:feature.txt')).toBe('feature\n');
    expect(sql(g.db, (db) => db.prepare('SELECT status FROM tasks WHERE id = ?').get(id))).toEqual({ status: 'done' });
  });

  it('comments the conflicting files and moves the task to blocked when the approved branch would not merge', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        dev: worker(`printf 'line one DEV\\nline two\\n' > shared.txt; ${commitAs('d')} commit -qam dev || true`),
        rev: { mode: 'on-demand', role: 'reviewer', command: sh('true') },
      },
    });
    const repo = makeRepo(g.dir);
    await g.up();
    const bttask = (args: string[], as: string) => runAsync('bttask', [...args, '--db', g.db], { as });
    const id = json<{ id: string }>(await bttask(['add', 'Edit the first line', '--assign', 'dev', '--merge-on-done', '--json'], 'admin')).id;
    await g.waitRuns('dev', 'a run that succeeded', (rs) => rs.some((r) => r.outcome === 'success'), 20_000);
    writeFileSync(join(repo, 'shared.txt'), 'line one MAIN\nline two\n');
    git(repo, ...ID, 'commit', '-qam', 'main edits');
    const main = git(repo, 'rev-parse', 'main');
    expect((await bttask(['status', id, 'review'], 'dev')).code).toBe(0);
    expect((await bttask(['status', id, 'done'], 'rev')).code).toBe(0);

    const task = () => sql(g.db, (db) => db.prepare('SELECT status FROM tasks WHERE id = ?').get(id) as { status: string });
    await waitFor('the task to be blocked', task, (t) => t.status === 'blocked', { timeout: 20_000, interval: 150 });
    const comments = sql(g.db, (db) => db.prepare('SELECT content FROM task_comments WHERE task_id = ?').all(id) as { content: string }[]);
    expect(comments.map((c) => c.content)).toContainEqual(
      expect.stringMatching(/^merge on done refused, nothing merged: .*would not merge cleanly into main: shared\.txt/),
    );
    expect(git(repo, 'rev-parse', 'main')).toBe(main);
  });
});
