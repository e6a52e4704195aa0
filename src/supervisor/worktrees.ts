/**
 * The agents' git worktrees: made at an agent's first start, reused after, listed, synced
 * with their base and removed. Every git call goes through git.ts; rows live in db/worktrees.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { conflict, notFound } from '../core/errors.js';
import type { Db } from '../db/open.js';
import { openRuns } from '../db/runs.js';
import { type WorktreeRow, deleteWorktree, getWorktree, listWorktrees, putWorktree } from '../db/worktrees.js';
import type { AgentConfig } from './config.js';
import { GitError, git, gitVersion } from './git.js';
import { WORKTREES_DIR } from './worktree-config.js';

export type { WorktreeRow };

/** The repository's top level holding `dir`. */
export const topLevel = async (dir: string) => (await git(dir, ['rev-parse', '--show-toplevel'])).stdout.trim();

/** The repository's shared git directory (objects, refs, logs, worktrees/), absolute. */
export async function commonDir(dir: string): Promise<string> {
  const d = (await git(dir, ['rev-parse', '--git-common-dir'])).stdout.trim();
  return isAbsolute(d) ? d : resolve(dir, d);
}

const branchExists = async (repo: string, branch: string) => (await git(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { ok: [1] })).code === 0;

/** Each worktree of the repository: its path and the branch checked out there (null: detached). */
export async function worktreesOf(repo: string): Promise<{ path: string; branch: string | null }[]> {
  const out = (await git(repo, ['worktree', 'list', '--porcelain', '-z'])).stdout.split('\0');
  const list: { path: string; branch: string | null }[] = [];
  for (const line of out) {
    if (line.startsWith('worktree ')) list.push({ path: line.slice(9), branch: null });
    else if (line.startsWith('branch refs/heads/') && list.length) list[list.length - 1]!.branch = line.slice(18);
  }
  return list;
}

/** Keeps agor-worktrees/ out of the main checkout's `git status` (once, in .git/info/exclude). */
function excludeWorktreesDir(common: string): void {
  const file = join(common, 'info', 'exclude');
  const line = `/${WORKTREES_DIR}/`;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    mkdirSync(dirname(file), { recursive: true });
  }
  if (!text.split('\n').includes(line)) appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${line}\n`);
}

/** Where the agent's runs work inside worktree `path`: the same directory relative to the repository as its cwd. */
export function workdirIn(cfg: AgentConfig, row: Pick<WorktreeRow, 'repo' | 'path'>): string {
  const rel = relative(row.repo, cfg.cwd);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? join(row.path, rel) : row.path;
}

/** True when `path` is a working worktree of git's (not a directory left after `git worktree prune`). */
async function isWorktree(path: string): Promise<boolean> {
  // Its own .git file: a directory inside the main checkout would answer for the main one.
  if (!existsSync(join(path, '.git'))) return false;
  try {
    return (await git(path, ['rev-parse', '--is-inside-work-tree'])).stdout.trim() === 'true';
  } catch {
    return false;
  }
}

/**
 * The agent's worktree, made when it has none (`git worktree add`, reusing its branch when
 * that exists); returns the row to record. Errors say what to fix: not a repository, a
 * detached base, a branch checked out elsewhere, a path in the way, git too old.
 */
export async function ensureWorktree(db: Db, cfg: AgentConfig): Promise<WorktreeRow> {
  const wt = cfg.worktree;
  if (!wt) throw new Error(`${cfg.id} has no worktree: in agor.yaml`);
  const known = getWorktree(db, cfg.id);
  if (known && known.branch === wt.branch && (await isWorktree(known.path))) return known;
  await gitVersion();
  const repo = await topLevel(wt.repo ?? cfg.cwd);
  const common = await commonDir(repo);
  const path = wt.path ?? join(repo, WORKTREES_DIR, cfg.id);
  let base = wt.base;
  if (base === null) {
    const head = await git(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { ok: [1] });
    if (head.code !== 0)
      throw new GitError(`${repo} has no branch checked out (detached HEAD), so ${cfg.id}'s worktree has no base`, 1, '', 'set worktree.base in agor.yaml');
    base = head.stdout.trim();
  }
  if ((await git(repo, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`], { ok: [1] })).code !== 0)
    throw new GitError(
      `base branch '${base}' of ${cfg.id}'s worktree does not exist in ${repo} (or has no commit yet)`,
      1,
      '',
      'commit something first, or set worktree.base',
    );
  if (!wt.path) excludeWorktreesDir(common);
  // A directory git forgot about (deleted by hand, then pruned) is in the way of a new worktree.
  await git(repo, ['worktree', 'prune']);
  const holders = await worktreesOf(repo);
  const here = holders.find((h) => resolve(h.path) === resolve(path));
  if (here && here.branch === wt.branch) return record(db, cfg.id, repo, path, wt.branch, known?.base ?? base);
  if (here)
    throw new GitError(
      `${path} is already a worktree of ${here.branch ?? 'a detached HEAD'}, not of ${wt.branch}`,
      1,
      '',
      `remove it with: git worktree remove ${path}`,
    );
  if (existsSync(path) && readdirSync(path).length)
    throw new GitError(`${path} exists and is not empty, so ${cfg.id}'s worktree cannot go there`, 1, '', 'move it away, or set worktree.path');
  mkdirSync(dirname(path), { recursive: true });
  if (await branchExists(repo, wt.branch)) {
    const elsewhere = holders.find((h) => h.branch === wt.branch);
    if (elsewhere)
      throw new GitError(
        `branch ${wt.branch} is checked out in ${elsewhere.path}, so ${cfg.id} cannot have it`,
        1,
        '',
        'check out another branch there, or set worktree.branch',
      );
    await git(repo, ['worktree', 'add', path, wt.branch]);
  } else await git(repo, ['worktree', 'add', '-b', wt.branch, path, base]);
  return record(db, cfg.id, repo, path, wt.branch, base);
}

function record(db: Db, agent: string, repo: string, path: string, branch: string, base: string): WorktreeRow {
  const row = { agent, repo, path, branch, base };
  putWorktree(db, row);
  return getWorktree(db, agent) ?? { ...row, created_at: new Date().toISOString() };
}

/**
 * What git in worktree `path` needs to commit: to read the repository's shared git dir
 * (config, HEAD, packed refs) and to write its objects, refs and logs and the worktree's own admin dir.
 */
export async function gitPaths(path: string): Promise<{ read: string[]; write: string[] }> {
  const common = await commonDir(path);
  const own = (await git(path, ['rev-parse', '--absolute-git-dir'])).stdout.trim();
  // The user's own git config too: git refuses to run at all when it exists but cannot be read.
  const xdg = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const config = [join(homedir(), '.gitconfig'), join(xdg, 'git')].filter((p) => existsSync(p));
  return { read: [common, ...config], write: [join(common, 'objects'), join(common, 'refs'), join(common, 'logs'), own].filter((p) => existsSync(p)) };
}

export interface WorktreeStatus extends WorktreeRow {
  exists: boolean;
  /** Commits on the branch that base lacks, and commits on base the branch lacks; null when git could not say. */
  ahead: number | null;
  behind: number | null;
  /** Files changed but not committed in the worktree (untracked ones included). */
  uncommitted: string[];
  error: string | null;
}

/** Files with uncommitted changes in `dir`, as git status names them. */
export async function uncommittedFiles(dir: string): Promise<string[]> {
  const out = (await git(dir, ['status', '--porcelain', '-z', '--untracked-files=all'])).stdout.split('\0').filter(Boolean);
  const files: string[] = [];
  for (let i = 0; i < out.length; i++) {
    const entry = out[i]!;
    files.push(entry.slice(3));
    if (/^[RC]/.test(entry)) i++; // a rename's second field is its old name
  }
  return files;
}

async function statusOf(row: WorktreeRow): Promise<WorktreeStatus> {
  const exists = existsSync(row.path);
  const st: WorktreeStatus = { ...row, exists, ahead: null, behind: null, uncommitted: [], error: null };
  try {
    const counts = (await git(row.repo, ['rev-list', '--left-right', '--count', `${row.base}...${row.branch}`])).stdout.trim().split(/\s+/);
    st.behind = Number(counts[0]);
    st.ahead = Number(counts[1]);
    if (exists) st.uncommitted = await uncommittedFiles(row.path);
  } catch (err) {
    st.error = (err as Error).message;
  }
  return st;
}

/** Every recorded worktree with its branch's distance from base and its uncommitted files. */
export async function worktreeList(db: Db): Promise<WorktreeStatus[]> {
  return Promise.all(listWorktrees(db).map(statusOf));
}

/** The recorded worktree of `agent`, or a not-found error saying how one is made. */
export function worktreeOf(db: Db, agent: string): WorktreeRow {
  const row = getWorktree(db, agent);
  if (!row) throw notFound(`${agent} has no worktree`, 'give it worktree: true in agor.yaml; agor makes it at its next start');
  return row;
}

/** Refuses while `agent` has a run going: its worktree is not ours to change then. */
export function refuseWhileRunning(db: Db, agent: string, what: string): void {
  if (openRuns(db).some((r) => r.agent === agent))
    throw conflict(`${agent} is running: ${what} waits until it is idle`, `wait for its run to end, or stop it with: agor stop ${agent}`);
}

/** Commits on `branch` that `base` lacks, one line each. */
const unmergedCommits = async (repo: string, base: string, branch: string) =>
  (await git(repo, ['log', '--format=%h %s', `${base}..${branch}`])).stdout.split('\n').filter(Boolean);

export interface RemoveResult {
  agent: string;
  path: string;
  branch: string;
  branchDeleted: boolean;
}

/**
 * Removes the agent's worktree; refuses (exit 5, naming them) uncommitted files and commits
 * not merged into base unless `force`. The branch goes too when merged, or with `force`.
 */
export async function removeWorktree(db: Db, agent: string, force: boolean): Promise<RemoveResult> {
  const row = worktreeOf(db, agent);
  refuseWhileRunning(db, agent, 'removing its worktree');
  const dirty = existsSync(row.path) ? await uncommittedFiles(row.path).catch(() => []) : [];
  const unmerged = (await branchExists(row.repo, row.branch)) ? await unmergedCommits(row.repo, row.base, row.branch) : [];
  if (!force && (dirty.length || unmerged.length)) {
    const parts = [
      dirty.length ? `uncommitted: ${dirty.slice(0, 10).join(', ')}${dirty.length > 10 ? ` and ${dirty.length - 10} more` : ''}` : '',
      unmerged.length ? `not merged into ${row.base}: ${unmerged.slice(0, 5).join('; ')}${unmerged.length > 5 ? ` and ${unmerged.length - 5} more` : ''}` : '',
    ].filter(Boolean);
    throw conflict(
      `${agent}'s worktree holds work that would be lost (${parts.join('; ')})`,
      `merge it (agor merge ${agent}) or commit it, or remove anyway with --force`,
    );
  }
  if (existsSync(row.path)) await git(row.repo, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), row.path]);
  await git(row.repo, ['worktree', 'prune']);
  let branchDeleted = false;
  if (await branchExists(row.repo, row.branch)) {
    await git(row.repo, ['branch', force ? '-D' : '-d', row.branch], force ? {} : { ok: [1] }).then((r) => (branchDeleted = r.code === 0));
  }
  deleteWorktree(db, agent);
  return { agent, path: row.path, branch: row.branch, branchDeleted };
}

export interface SyncResult {
  agent: string;
  branch: string;
  base: string;
  how: 'merge' | 'rebase';
  /** up-to-date: nothing to bring in; synced: done; conflict: aborted, nothing changed. */
  status: 'up-to-date' | 'synced' | 'conflict';
  conflicts: string[];
  head: string;
}

/** The identity merges and rebases commit with: the repository's own, else agor's (a server may have none). */
export async function committer(repo: string): Promise<Record<string, string>> {
  const ok = (await git(repo, ['var', 'GIT_COMMITTER_IDENT'], { ok: [128, 1] })).code === 0;
  return ok ? {} : { GIT_AUTHOR_NAME: 'agor', GIT_AUTHOR_EMAIL: 'agor@localhost', GIT_COMMITTER_NAME: 'agor', GIT_COMMITTER_EMAIL: 'agor@localhost' };
}

const conflicted = async (dir: string) => (await git(dir, ['diff', '--name-only', '--diff-filter=U', '-z'])).stdout.split('\0').filter(Boolean).sort();

/**
 * Brings base into the agent's branch in its worktree, by merge or rebase, while the agent
 * is idle; a conflict aborts the merge or rebase, so nothing is left half-done.
 */
export async function syncWorktree(db: Db, agent: string, how: 'merge' | 'rebase'): Promise<SyncResult> {
  const row = worktreeOf(db, agent);
  refuseWhileRunning(db, agent, 'syncing its worktree');
  if (!existsSync(row.path))
    throw notFound(`${agent}'s worktree ${row.path} is gone`, `agor makes it again at its next start, or remove the record: agor worktree rm ${agent}`);
  const dirty = await uncommittedFiles(row.path);
  if (dirty.length)
    throw conflict(
      `${agent}'s worktree has uncommitted changes (${dirty.slice(0, 10).join(', ')}): sync needs them committed first`,
      'commit or stash them in the worktree',
    );
  const behind = Number((await git(row.repo, ['rev-list', '--count', `${row.branch}..${row.base}`])).stdout.trim());
  const head = async () => (await git(row.path, ['rev-parse', 'HEAD'])).stdout.trim();
  const result = { agent, branch: row.branch, base: row.base, how, conflicts: [] as string[] };
  if (!behind) return { ...result, status: 'up-to-date', head: await head() };
  const env = await committer(row.repo);
  const args = how === 'merge' ? ['merge', '--no-edit', row.base] : ['rebase', row.base];
  const r = await git(row.path, args, { env, ok: [1, 128] });
  if (r.code !== 0) {
    const files = await conflicted(row.path).catch(() => []);
    await git(row.path, [how, '--abort'], { ok: [1, 128] });
    if (!files.length) throw new GitError(`git ${how} of ${row.base} into ${row.branch} failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`, r.code, r.stderr);
    return { ...result, status: 'conflict', conflicts: files, head: await head() };
  }
  return { ...result, status: 'synced', head: await head() };
}

/** A worktree path shown short: relative to its repository when inside it. */
export const shortPath = (row: Pick<WorktreeRow, 'repo' | 'path'>): string => {
  const rel = relative(row.repo, row.path);
  return rel && !rel.startsWith('..') ? rel : row.path;
};
