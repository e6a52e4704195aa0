// Section 19: the cost of one conflict check between worktrees. A real repository with
// 1,000 files and 10 worktrees of it, each with 100 uncommitted changed files (what
// agents in their own worktrees leave between commits), checked with the supervisor's own
// code (conflict-scan.ts checkRepo): a snapshot of each worktree, the files each changed
// since the merge-base of each pair, and an in-memory merge of the pairs whose files
// intersect. Two cases: no pair intersects (10 snapshots, no merge), and every pair does
// and conflicts (45 merges). Wall time and CPU time (ours and git's) per check, cold (what
// a check learns is forgotten: as if every worktree had changed since the last one) and
// steady (nothing changed since the last check: only the snapshots are made again).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Log, tempDir } from './fixtures.js';
import { type Percentiles, childCpuMs, percentileTable, percentiles } from './harness.js';
import { CheckCache, type Worktree, checkRepo } from '../src/supervisor/conflict-scan.js';

export const CONFLICT_AGENTS = 10;
export const CONFLICT_FILES = 100;
const REPO_FILES = CONFLICT_AGENTS * CONFLICT_FILES;

export interface ConflictCase {
  name: string;
  /** Pairs merged in memory per check, and pairs that conflicted. */
  merged: number;
  conflicts: number;
  wall: Percentiles;
  cpu: Percentiles;
}

export interface ConflictCheckSection {
  title: string;
  checks: number;
  cases: ConflictCase[];
  notes: string[];
  error?: string;
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });

/** 10 worktrees of `repo`, each changing 100 files: its own (`shared` false) or the same 100 (true), differently. */
function worktrees(root: string, repo: string, label: string, shared: boolean): Worktree[] {
  const out: Worktree[] = [];
  for (let a = 0; a < CONFLICT_AGENTS; a++) {
    const top = join(root, `${label}-${a}`);
    git(repo, 'worktree', 'add', '-q', '-b', `agor/${label}-${a}`, top);
    for (let f = 0; f < CONFLICT_FILES; f++) {
      const n = shared ? f : a * CONFLICT_FILES + f;
      writeFileSync(join(top, 'src', `f${n}.txt`), `line 1 changed by agent ${a}\nline 2\nline 3\nline 4\nline 5\n`);
    }
    out.push({ top, agents: [`${label}-${a}`] });
  }
  return out;
}

async function timeChecks(repo: string, trees: Worktree[], n: number, steady: boolean): Promise<Omit<ConflictCase, 'name'>> {
  const shared = new CheckCache();
  if (steady) await checkRepo(repo, trees, shared);
  const wall: number[] = [];
  const cpu: number[] = [];
  let last = { merged: 0, conflicts: 0 };
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const k0 = childCpuMs() ?? 0;
    const t0 = performance.now();
    const r = await checkRepo(repo, trees, steady ? shared : new CheckCache());
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000 + ((childCpuMs() ?? 0) - k0));
    if (r.errors.length) throw new Error(r.errors[0]);
    last = { merged: r.merged, conflicts: r.conflicts.length };
  }
  return { ...last, wall: percentiles(wall), cpu: percentiles(cpu) };
}

export async function conflictCheckCost(o: { quick: boolean }, log: Log): Promise<ConflictCheckSection> {
  const n = o.quick ? 5 : 20;
  const s: ConflictCheckSection = {
    title: `Section 19 — one conflict check: ${CONFLICT_AGENTS} agents in worktrees of one repository (${REPO_FILES.toLocaleString('en-US')} files), ${CONFLICT_FILES} changed files each (${n} checks per case)`,
    checks: n,
    cases: [],
    notes: [],
  };
  log(`section 19: conflict checks, ${CONFLICT_AGENTS} worktrees × ${CONFLICT_FILES} changed files …`);
  const root = tempDir('conflicts');
  try {
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    for (let f = 0; f < REPO_FILES; f++) writeFileSync(join(repo, 'src', `f${f}.txt`), 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'base');
    const disjoint = worktrees(root, repo, 'own', false);
    const overlapping = worktrees(root, repo, 'same', true);
    await checkRepo(repo, disjoint); // warm: git's object store and the page cache
    s.cases.push({ name: 'no pair intersects, cold', ...(await timeChecks(repo, disjoint, n, false)) });
    s.cases.push({ name: 'every pair intersects and conflicts, cold', ...(await timeChecks(repo, overlapping, n, false)) });
    s.cases.push({ name: 'no pair intersects, steady (nothing changed since the last check)', ...(await timeChecks(repo, disjoint, n, true)) });
    s.cases.push({ name: 'every pair intersects and conflicts, steady', ...(await timeChecks(repo, overlapping, n, true)) });
    s.notes.push(
      'CPU = the supervisor process plus the git processes it ran (children reaped, 10 ms ticks); a check runs at most once a minute and at the end of a run, one at a time.',
    );
  } catch (e) {
    s.error = e instanceof Error ? e.message : String(e);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return s;
}

export function printConflictChecks(s: ConflictCheckSection | undefined, out: string[]): void {
  if (!s) return;
  out.push(s.title);
  for (const c of s.cases) {
    out.push(`  ${c.name}: ${c.merged} pairs merged in memory, ${c.conflicts} conflicting, per check:`);
    out.push(
      percentileTable('checks', [
        ['wall time', c.wall],
        ['CPU time', c.cpu],
      ])
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  for (const n of s.notes) out.push(`  ${n}`);
  if (s.error) out.push(`!!! section 19 did not complete: ${s.error}`);
  out.push('');
}
