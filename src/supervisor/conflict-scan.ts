/**
 * The git side of conflict detection: where an agent's working tree is, git's view of a
 * tree's changes, and the prediction of whether separate worktrees' work would merge.
 * Every call is async (through git.ts), so a check never blocks the supervisor.
 */
import { copyFile, lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { git, mergeTree } from './git.js';
import type { TreeView } from './overlap.js';

/** Where a directory is in git: its working tree's top and the repository's common git directory (shared by its worktrees). */
export interface TreeLoc {
  top: string;
  common: string;
}

/** The working tree and repository of `dir`; null when it is not in a git repository. */
export async function locate(dir: string): Promise<TreeLoc | null> {
  try {
    const r = await git(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']);
    const [top, common] = r.stdout.split('\n');
    return top && common ? { top, common } : null;
  } catch {
    return null;
  }
}

/**
 * The changed files of the tree at `top` (tracked and untracked, not ignored), each with a
 * signature of status, size and mtime, so that a second write to a changed file shows.
 */
export async function treeView(top: string): Promise<{ view: TreeView; mtimes: Map<string, number> }> {
  const r = await git(top, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  const view: TreeView = new Map();
  const mtimes = new Map<string, number>();
  const parts = r.stdout.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const e = parts[i]!;
    if (e.length < 4) continue;
    const xy = e.slice(0, 2);
    const file = e.slice(3);
    // A rename or copy names its source next (not with --no-renames, but a config may force it).
    if (xy[0] === 'R' || xy[0] === 'C') i++;
    const st = await lstat(join(top, file), { bigint: true }).catch(() => null);
    view.set(file, st ? `${xy}:${st.size}:${st.mtimeNs}` : `${xy}:gone`);
    if (st) mtimes.set(file, Number(st.mtimeMs));
  }
  return { view, mtimes };
}

/** An author for the commits snapshots make: the user's git identity may be unset. */
const SNAPSHOT_ENV = { GIT_AUTHOR_NAME: 'agor', GIT_AUTHOR_EMAIL: 'agor@localhost', GIT_COMMITTER_NAME: 'agor', GIT_COMMITTER_EMAIL: 'agor@localhost' };

/**
 * A commit of everything in the worktree at `top` now (with the HEAD it is made on), committed or not, new files too,
 * on top of its HEAD; no ref, index or file of the worktree changes. Not `git stash
 * create`: it leaves out untracked files (an agent's new file is the likeliest clash) and
 * answers nothing for a clean tree. Instead a copy of the worktree's index takes `add -A`.
 */
export async function snapshot(top: string, cache?: CheckCache): Promise<{ commit: string; head: string }> {
  const [real, head, headTree] = (await git(top, ['rev-parse', '--path-format=absolute', '--git-path', 'index', 'HEAD^{commit}', 'HEAD^{tree}'])).stdout
    .trim()
    .split('\n');
  if (!real || !head || !headTree) throw new Error(`${top}: no HEAD to snapshot`);
  const dir = await mkdtemp(join(tmpdir(), 'agor-snap-'));
  try {
    const index = join(dir, 'index');
    await copyFile(real, index).catch(() => undefined);
    const env = { ...SNAPSHOT_ENV, GIT_INDEX_FILE: index };
    await git(top, ['add', '-A', '--', '.'], { env });
    const tree = (await git(top, ['write-tree'], { env })).stdout.trim();
    if (tree === headTree) return { commit: head, head };
    // The same content on the same HEAD is the same snapshot, so what was learnt of it stands.
    const key = `${head} ${tree}`;
    const known = cache?.snaps.get(key);
    if (known) return { commit: known, head };
    const commit = (await git(top, ['commit-tree', tree, '-p', head, '-m', 'agor conflict-check snapshot'], { env })).stdout.trim();
    cache?.put(cache.snaps, key, commit);
    return { commit, head };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What one check learns that the next can reuse: commits never change, so a snapshot of
 * unchanged content, the merge-base of two commits, the files changed between two commits
 * and the outcome of merging two commits hold for good. Bounded; the oldest go first.
 */
export class CheckCache {
  readonly snaps = new Map<string, string>();
  readonly bases = new Map<string, string>();
  readonly diffs = new Map<string, Set<string>>();
  readonly merges = new Map<string, { files: string[]; sig: string } | null>();
  constructor(private readonly max = 2000) {}

  put<V>(m: Map<string, V>, k: string, v: V): void {
    m.delete(k);
    m.set(k, v);
    if (m.size > this.max) m.delete(m.keys().next().value!);
  }
}

/** Every unordered pair of `xs`. */
export function pairs<T>(xs: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) out.push([xs[i]!, xs[j]!]);
  return out;
}

/** The files in both sets, sorted: only pairs with some are worth a merge. */
export function common(a: ReadonlySet<string>, b: ReadonlySet<string>): string[] {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  return [...small].filter((f) => big.has(f)).sort();
}

/** A worktree of a repository and the agents that work in it. */
export interface Worktree {
  top: string;
  agents: string[];
}

/** Two worktrees whose work would not merge, with the files that would conflict. */
export interface MergeConflict {
  a: Worktree;
  b: Worktree;
  files: string[];
  /** A fingerprint of both sides' versions of the files: it changes when either side writes one. */
  sig: string;
}

export interface RepoCheck {
  conflicts: MergeConflict[];
  /** Pairs that were checked (and did not conflict or did): a pair missing was not decided. */
  checked: [Worktree, Worktree][];
  /** What went wrong for a worktree or pair, for the log. */
  errors: string[];
  /** Pairs merged in memory (their changed files intersected). */
  merged: number;
}

/**
 * Asks git whether each pair of worktrees of one repository would merge: a snapshot of
 * each, the files each changed since their merge-base, and an in-memory merge of only
 * the pairs whose changed files intersect.
 */
export async function checkRepo(repo: string, trees: readonly Worktree[], cache = new CheckCache()): Promise<RepoCheck> {
  const out: RepoCheck = { conflicts: [], checked: [], errors: [], merged: 0 };
  const snaps = new Map<string, string>();
  const heads = new Map<string, string>();
  for (const t of trees) {
    try {
      const snap = await snapshot(t.top, cache);
      snaps.set(t.top, snap.commit);
      heads.set(t.top, snap.head);
    } catch (err) {
      out.errors.push(`${t.top}: ${(err as Error).message}`);
    }
  }
  const changed = async (snap: string, base: string): Promise<Set<string>> => {
    const k = `${base}..${snap}`;
    let s = cache.diffs.get(k);
    if (!s) {
      const r = await git(repo, ['diff', '--name-only', '-z', '--no-renames', base, snap]);
      cache.put(cache.diffs, k, (s = new Set(r.stdout.split('\0').filter(Boolean))));
    }
    return s;
  };
  const mergeBase = async (a: string, b: string): Promise<string> => {
    const k = a < b ? `${a} ${b}` : `${b} ${a}`;
    let base = cache.bases.get(k);
    if (base === undefined) cache.put(cache.bases, k, (base = (await git(repo, ['merge-base', a, b], { ok: [1] })).stdout.trim()));
    return base;
  };
  const merge = async (a: string, b: string, both: string[]): Promise<{ files: string[]; sig: string } | null> => {
    const k = `${a} ${b}`;
    if (cache.merges.has(k)) return cache.merges.get(k)!;
    const m = await mergeTree(repo, a, b);
    let res: { files: string[]; sig: string } | null = null;
    if (!m.clean) {
      const files = m.conflicts.length ? m.conflicts : both;
      const ls = await git(repo, ['ls-tree', '-z', a, '--', ...files]);
      const ls2 = await git(repo, ['ls-tree', '-z', b, '--', ...files]);
      res = { files, sig: createHash('sha256').update(ls.stdout).update('\0\0').update(ls2.stdout).digest('hex').slice(0, 16) };
    }
    cache.put(cache.merges, k, res);
    return res;
  };
  for (const [a, b] of pairs(trees.filter((t) => snaps.has(t.top)))) {
    const sa = snaps.get(a.top)!;
    const sb = snaps.get(b.top)!;
    try {
      if (sa === sb) {
        out.checked.push([a, b]);
        continue;
      }
      // A snapshot's only parent is its HEAD (or it is the HEAD), and neither is the other's
      // ancestor: their merge-base is their HEADs', which is the HEAD itself when both share it.
      const ha = heads.get(a.top)!;
      const hb = heads.get(b.top)!;
      const base = ha === hb ? ha : await mergeBase(ha, hb);
      // No common history: git would refuse to merge them anyway; nothing to predict.
      const both = base ? common(await changed(sa, base), await changed(sb, base)) : [];
      if (both.length) {
        out.merged++;
        const m = await merge(sa, sb, both);
        if (m) out.conflicts.push({ a, b, ...m });
      }
      out.checked.push([a, b]);
    } catch (err) {
      out.errors.push(`${a.top} and ${b.top}: ${(err as Error).message}`);
    }
  }
  return out;
}
