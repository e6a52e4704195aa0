import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitError, git, mergeTree } from '../../../src/supervisor/git.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agor-git-'));
  dirs.push(dir);
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: ENV });
  run('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'f.txt'), 'one\n');
  run('add', 'f.txt');
  run('commit', '-qm', 'init');
  return dir;
}

describe("agor's git wrapper", () => {
  it('looks at a working tree without rewriting its index, so it never holds the lock an agent’s git add needs', async () => {
    const dir = repo();
    // Same content, newer time: a plain git status would refresh the index and write it (under index.lock).
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'f.txt'), later, later);
    const before = statSync(join(dir, '.git', 'index')).mtimeMs;
    expect((await git(dir, ['status', '--porcelain'])).stdout).toBe('');
    expect(statSync(join(dir, '.git', 'index')).mtimeMs).toBe(before);
  });

  it('says plainly when a directory is not in a repository, and what git said otherwise', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'agor-nogit-'));
    dirs.push(outside);
    const e = await git(outside, ['status']).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(GitError);
    expect((e as GitError).message).toBe(`${outside} is not in a git repository`);
    const bad = await git(repo(), ['rev-parse', 'no-such-branch']).catch((err: unknown) => err);
    expect((bad as GitError).message).toMatch(/^git rev-parse failed in .*: /);
  });

  it('predicts a merge in memory: the conflicting files, or clean', async () => {
    const dir = repo();
    const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: ENV });
    run('branch', 'x');
    writeFileSync(join(dir, 'f.txt'), 'main\n');
    run('commit', '-qam', 'main');
    run('checkout', '-q', 'x');
    writeFileSync(join(dir, 'f.txt'), 'x\n');
    writeFileSync(join(dir, 'g.txt'), 'new\n');
    run('add', '-A');
    run('commit', '-qm', 'x');
    expect(await mergeTree(dir, 'main', 'x')).toMatchObject({ clean: false, conflicts: ['f.txt'] });
    expect(await mergeTree(dir, 'x', 'x')).toMatchObject({ clean: true, conflicts: [] });
    // Nothing was touched: the checkout is still x's, clean.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });
});
