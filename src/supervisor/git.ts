/**
 * The one way agor calls git: argv only (never a shell), a bounded run time and output, and
 * errors a user can act on (git missing or too old, not a repository, what git said).
 * Worktrees, conflict checks and merges all go through here.
 */
import { execFile } from 'node:child_process';
import { UserError } from '../core/errors.js';

/** `git merge-tree --write-tree` (an in-memory merge) came in git 2.38. */
export const GIT_MIN: readonly [number, number] = [2, 38];
const MAX_OUTPUT = 64 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

/** What git refused, with its own message; `code` is git's exit status (null: it did not run). */
export class GitError extends UserError {
  constructor(
    message: string,
    readonly gitCode: number | null,
    readonly stderr: string,
    hint?: string,
  ) {
    super(message, hint);
    this.name = 'GitError';
  }
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface GitOptions {
  /** Exit codes that are answers rather than failures (merge-tree's 1: "conflicts"). */
  ok?: number[];
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** git's first line of complaint, without its "fatal: " prefix. */
const said = (stderr: string) => (stderr.split('\n').find((l) => l.trim()) ?? '').replace(/^(fatal|error): /, '').trim();

/** Runs `git ARGS` in `cwd`; rejects with a GitError unless it exits 0 (or a code in `ok`). */
export function git(cwd: string, args: string[], o: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        maxBuffer: MAX_OUTPUT,
        timeout: o.timeoutMs ?? TIMEOUT_MS,
        // Never ask: no terminal prompt, no editor, no pager; the user's locale would change git's messages.
        // No optional locks: agor's looks (status, diff) run beside the agents' own git commands, and a
        // status that refreshes the index takes index.lock, which would make an agent's git add fail.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_PAGER: 'cat', LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0', ...o.env },
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        if (!e) return resolve({ stdout, stderr, code: 0 });
        if (e.code === 'ENOENT') return reject(new GitError('git is not installed (no git on PATH)', null, '', 'install git 2.38 or later'));
        if (e.killed) return reject(new GitError(`git ${args[0]} took longer than ${(o.timeoutMs ?? TIMEOUT_MS) / 1000} s`, null, stderr));
        const code = typeof e.code === 'number' ? e.code : null;
        if (code !== null && o.ok?.includes(code)) return resolve({ stdout, stderr, code });
        const msg = said(stderr);
        if (/not a git repository/i.test(msg))
          return reject(new GitError(`${cwd} is not in a git repository`, code, stderr, 'point worktree.repo at a git repository, or run git init'));
        reject(new GitError(`git ${args[0]} failed in ${cwd}: ${msg || `exit ${code}`}`, code, stderr));
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

let version: Promise<[number, number, number]> | null = null;

/** The installed git's version; refuses one older than GIT_MIN. */
export function gitVersion(): Promise<[number, number, number]> {
  version ??= git(process.cwd(), ['--version']).then(({ stdout }) => {
    const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(stdout);
    const v: [number, number, number] = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [0, 0, 0];
    if (v[0] < GIT_MIN[0] || (v[0] === GIT_MIN[0] && v[1] < GIT_MIN[1]))
      throw new GitError(`git ${v.join('.')} is too old: agor needs ${GIT_MIN.join('.')} or later (for git merge-tree --write-tree)`, null, '');
    return v;
  });
  version.catch(() => (version = null));
  return version;
}

/** The outcome of merging two commits in memory: no working tree, index or ref is touched. */
export interface MergePrediction {
  clean: boolean;
  /** The merged tree (with conflict markers in conflicted files); null when git could not merge at all. */
  tree: string | null;
  /** The files that would conflict, sorted. */
  conflicts: string[];
}

/** `git merge-tree --write-tree` of `ours` and `theirs` (commits or branches), run in repository `cwd`. */
export async function mergeTree(cwd: string, ours: string, theirs: string): Promise<MergePrediction> {
  await gitVersion();
  const r = await git(cwd, ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, theirs], { ok: [1] });
  const parts = r.stdout.split('\0').filter(Boolean);
  const tree = parts[0] ?? null;
  return { clean: r.code === 0, tree, conflicts: r.code === 0 ? [] : [...new Set(parts.slice(1))].sort() };
}
