/**
 * `agor merge`: an idle agent's branch into its base (or another branch), checked first with
 * an in-memory merge, so a merge that would conflict is refused before anything changes.
 */
import { existsSync } from 'node:fs';
import { ADMIN } from '../core/roles.js';
import { conflict, notPermitted, usage } from '../core/errors.js';
import { getAgent } from '../db/agents.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';
import { GitError, git, gitVersion, mergeTree } from './git.js';
import { committer, refuseWhileRunning, uncommittedFiles, worktreeOf, worktreesOf } from './worktrees.js';

/** The roles that may merge an agent's branch, besides the operator. */
export const MERGE_ROLES = ['reviewer', 'manager'] as const;

export interface MergeOptions {
  agent: string;
  /** The branch merged into; default the worktree's base. */
  into?: string;
  squash?: boolean;
  /** Who asks: the operator (admin) or an agent. */
  actor: string;
}

export interface MergeResult {
  agent: string;
  branch: string;
  into: string;
  /** up-to-date: nothing to merge; fast-forward; merged: a merge (or squash) commit. */
  status: 'up-to-date' | 'fast-forward' | 'merged';
  before: string;
  after: string;
  /** Where it was done: the worktree that has `into` checked out, or null (no working tree). */
  in: string | null;
  files: string[];
  actor: string;
}

/** Refuses (exit 4) an actor who is neither the operator nor a reviewer or manager. */
export function mayMerge(db: Db, actor: string): void {
  if (actor === ADMIN) return;
  const role = getAgent(db, actor)?.role;
  if (!role || !(MERGE_ROLES as readonly string[]).includes(role))
    throw notPermitted(`${actor} may not merge (role ${role ?? 'unknown'})`, `merging is for the operator and agents with role ${MERGE_ROLES.join(' or ')}`);
}

const rev = async (repo: string, ref: string) => (await git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { ok: [1] })).stdout.trim();

/** Merges the agent's branch; refuses while it runs, with uncommitted work, or when git predicts conflicts (exit 5, naming the files). */
export async function mergeAgent(db: Db, o: MergeOptions): Promise<MergeResult> {
  mayMerge(db, o.actor);
  const row = worktreeOf(db, o.agent);
  refuseWhileRunning(db, o.agent, 'merging its branch');
  await gitVersion();
  const into = o.into ?? row.base;
  const repo = row.repo;
  const before = await rev(repo, into);
  if (!before) throw usage(`there is no branch ${into} in ${repo}`, 'name an existing branch with --into');
  const tip = await rev(repo, row.branch);
  if (!tip) throw new GitError(`${o.agent}'s branch ${row.branch} is gone from ${repo}`, 1, '');
  const dirty = existsSync(row.path) ? await uncommittedFiles(row.path) : [];
  if (dirty.length)
    throw conflict(
      `${o.agent}'s worktree has uncommitted changes (${dirty.slice(0, 10).join(', ')}${dirty.length > 10 ? ', …' : ''}): only commits are merged`,
      `commit them in ${row.path} (or wake ${o.agent} to), then merge`,
    );
  const base = { agent: o.agent, branch: row.branch, into, before, actor: o.actor };
  if ((await git(repo, ['merge-base', '--is-ancestor', tip, before], { ok: [1] })).code === 0)
    return { ...base, status: 'up-to-date', after: before, in: null, files: [] };
  const files = (await git(repo, ['diff', '--name-only', '-z', `${before}...${tip}`])).stdout.split('\0').filter(Boolean);
  const prediction = await mergeTree(repo, before, tip);
  if (!prediction.clean)
    throw conflict(
      `${row.branch} would not merge cleanly into ${into}: ${prediction.conflicts.join(', ')}`,
      `bring ${into} in first (agor worktree sync ${o.agent}) and resolve the conflicts there`,
    );
  const ff = !o.squash && (await git(repo, ['merge-base', '--is-ancestor', before, tip], { ok: [1] })).code === 0;
  const env = await committer(repo);
  const message = `Merge ${row.branch} (${o.agent}) into ${into}${o.squash ? ' (squashed)' : ''}\n\nMerged by ${o.actor} with agor merge.`;
  const checkout = (await worktreesOf(repo)).find((w) => w.branch === into);
  let after: string;
  if (checkout) {
    // Checked out: the merge happens there, so that checkout's files follow; its own uncommitted edits to merged files stop it.
    const mine = new Set(files);
    const touched = (await uncommittedFiles(checkout.path)).filter((f) => mine.has(f));
    if (touched.length)
      throw conflict(`${checkout.path} (where ${into} is checked out) has uncommitted changes to ${touched.join(', ')}`, 'commit or stash them there, then merge');
    if (o.squash) {
      await git(checkout.path, ['merge', '--squash', tip], { env });
      await git(checkout.path, ['commit', '--no-verify', '-m', message], { env });
    } else await git(checkout.path, ['merge', ...(ff ? ['--ff-only'] : ['--no-ff', '-m', message]), tip], { env });
    after = await rev(repo, into);
  } else {
    // Not checked out anywhere: the commit is built without a working tree; update-ref with the old value refuses a concurrent change.
    after = ff ? tip : (await git(repo, ['commit-tree', prediction.tree!, '-p', before, ...(o.squash ? [] : ['-p', tip]), '-m', message], { env })).stdout.trim();
    await git(repo, ['update-ref', '-m', `agor merge ${o.agent}`, `refs/heads/${into}`, after, before]);
  }
  const result: MergeResult = { ...base, status: ff ? 'fast-forward' : 'merged', after, in: checkout?.path ?? null, files };
  writeTx(db, () =>
    audit(db, o.actor, 'merge', { agent: o.agent, branch: row.branch, into, before, after, commit: tip, squash: !!o.squash, status: result.status }),
  );
  return result;
}
