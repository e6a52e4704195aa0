/** `worktree:` in agor.yaml: an agent (or every agent of the group) works in its own git worktree on its own branch. */
import { isAbsolute, resolve } from 'node:path';
import { type Node, isMap, isScalar } from 'yaml';
import { type Ctx, entries, fail, isEmpty, str } from './yaml.js';

/** What the agent's worktree is made from; nulls are decided when it is made (the repository is only looked at then). */
export interface WorktreeConfig {
  /** A directory inside the repository (absolute); null: the repository holding the agent's cwd. */
  repo: string | null;
  /** The branch the agent's branch starts from; null: the branch checked out in the repository then. */
  base: string | null;
  /** The agent's branch, `{agent}` replaced by its id. */
  branch: string;
  /** Where the worktree goes (absolute): `path:` with {agent} replaced, or `path:/<agent>`; null: `<repository root>/agor-worktrees/<agent>`. */
  path: string | null;
}

export const DEFAULT_BRANCH = 'agor/{agent}';
/** The directory beside `.git` that holds the agents' worktrees unless `path:` says otherwise. */
export const WORKTREES_DIR = 'agor-worktrees';

/** git's own rules for a branch name (git check-ref-format), the ones a typo breaks. */
function refProblem(name: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what git refuses
  if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(name)) return 'holds a space, control character or one of ~ ^ : ? * [ \\';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty path component';
  if (name.startsWith('-')) return 'starts with -';
  if (name.includes('..') || name.includes('@{') || name.endsWith('.') || name.endsWith('.lock') || name.split('/').some((c) => c.startsWith('.')))
    return 'is not a valid git branch name (.., @{, a component starting with . or ending in .lock)';
  return null;
}

const agentBranch = (template: string, agent: string) => template.replaceAll('{agent}', agent);

/**
 * Parses `worktree:` of agent `agent` (`group` is the group's, applying when the agent says
 * nothing). true, false, or {repo, base, branch, path}; relative paths start at agor.yaml's directory.
 */
export function parseWorktree(ctx: Ctx, node: Node | null | undefined, key: string, baseDir: string, agent: string): WorktreeConfig | null {
  if (node === undefined || node === null || isEmpty(node)) return null;
  if (isScalar(node) && typeof node.value === 'boolean')
    return node.value ? { repo: null, base: null, branch: agentBranch(DEFAULT_BRANCH, agent), path: null } : null;
  if (!isMap(node)) fail(ctx, node, key, 'must be true, false or a mapping of repo, base, branch, path', 'e.g. worktree: { base: main, branch: "agor/{agent}" }');
  const e = entries(ctx, node, key, ['repo', 'base', 'branch', 'path']);
  const get = (k: string) => e.get(k)?.value;
  const dir = (k: string) => {
    const v = str(ctx, get(k), `${key}.${k}`);
    if (v.startsWith('~')) fail(ctx, get(k), `${key}.${k}`, 'must be a path without ~', 'write the path out, or give it relative to agor.yaml');
    return isAbsolute(v) ? resolve(v) : resolve(baseDir, v);
  };
  const base = get('base') ? str(ctx, get('base'), `${key}.base`) : null;
  if (base !== null && refProblem(base)) fail(ctx, get('base'), `${key}.base`, refProblem(base)!);
  const template = get('branch') ? str(ctx, get('branch'), `${key}.branch`) : DEFAULT_BRANCH;
  const branch = agentBranch(template, agent);
  const bad = /\{(?!agent\})[^}]*\}/.exec(template);
  if (bad) fail(ctx, get('branch'), `${key}.branch`, `holds ${bad[0]}: the only placeholder is {agent}`);
  if (refProblem(branch)) fail(ctx, get('branch'), `${key}.branch`, refProblem(branch)!);
  // A path names the directory that holds the agents' worktrees, or with {agent} each one's own.
  let path: string | null = null;
  if (get('path')) {
    const raw = dir('path');
    path = raw.includes('{agent}') ? raw.replaceAll('{agent}', agent) : resolve(raw, agent);
  }
  return { repo: get('repo') ? dir('repo') : null, base, branch, path };
}
