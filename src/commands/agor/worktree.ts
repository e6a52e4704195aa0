import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { actorId, warnOnStderr } from '../../cli/verb.js';
import type { GlobalArgs } from '../../cli/run.js';
import { Exit, UserError } from '../../core/errors.js';
import type { Db } from '../../db/open.js';
import type { Verb } from './shared.js';

/** Like withDb, for domain work that waits on git: the database stays open until it is done. */
export async function withDbAsync<T>(argv: GlobalArgs, fn: (db: Db) => Promise<T>): Promise<T> {
  const { openDb } = await import('../../db/open.js');
  const db = openDb({ path: argv.db, warn: warnOnStderr });
  try {
    return await fn(db);
  } catch (e) {
    if (e instanceof UserError && e.code === Exit.NOT_PERMITTED) (await import('../../msg/refusals.js')).recordRefusal(db, e);
    throw e;
  } finally {
    db.close();
  }
}

const list: Verb<object> = {
  command: 'list',
  describe: "The agents' worktrees: path, branch, base, commits ahead/behind base, uncommitted files",
  handler: async (argv) => {
    const { worktreeList, shortPath } = await import('../../supervisor/worktrees.js');
    const rows = await withDbAsync(argv, worktreeList);
    emit(argv.json, rows, (rs) => {
      const c = color();
      if (!rs.length) return [c.dim('no worktrees yet (agor makes one at the first start of an agent with worktree: in agor.yaml)')];
      return table([
        ['AGENT', 'PATH', 'BRANCH', 'BASE', 'AHEAD', 'BEHIND', 'UNCOMMITTED'].map((h) => c.bold(h)),
        ...rs.map((r) => [
          r.agent,
          r.exists ? shortPath(r) : c.red(`${shortPath(r)} (gone)`),
          r.branch,
          r.base,
          r.ahead === null ? '-' : String(r.ahead),
          r.behind === null ? '-' : String(r.behind),
          r.error ? c.red(r.error) : String(r.uncommitted.length),
        ]),
      ]);
    });
  },
};

const rm: Verb<{ agent: string; force?: boolean }> = {
  command: 'rm <agent>',
  describe: "Remove an idle agent's worktree (and its branch once merged); refuses to lose uncommitted or unmerged work unless --force",
  builder: (y) =>
    y
      .positional('agent', { type: 'string', demandOption: true, describe: 'Agent id' })
      .option('force', { type: 'boolean', describe: 'Remove even with uncommitted changes or unmerged commits (deletes the branch too)' }),
  handler: async (argv) => {
    const { removeWorktree } = await import('../../supervisor/worktrees.js');
    const r = await withDbAsync(argv, (db) => removeWorktree(db, argv.agent, !!argv.force));
    emit(argv.json, r, (x) => [`removed ${x.agent}'s worktree ${x.path}${x.branchDeleted ? ` and branch ${x.branch}` : ` (branch ${x.branch} kept)`}`]);
  },
};

const sync: Verb<{ agent: string; merge?: boolean; rebase?: boolean }> = {
  command: 'sync <agent>',
  describe: "Bring the base branch into an idle agent's branch (merge by default, or --rebase); a conflict is aborted cleanly",
  builder: (y) =>
    y
      .positional('agent', { type: 'string', demandOption: true, describe: 'Agent id' })
      .option('merge', { type: 'boolean', describe: 'Merge base into the branch (the default)' })
      .option('rebase', { type: 'boolean', describe: 'Rebase the branch onto base' })
      .conflicts('merge', 'rebase'),
  handler: async (argv) => {
    const { syncWorktree } = await import('../../supervisor/worktrees.js');
    const r = await withDbAsync(argv, (db) => syncWorktree(db, argv.agent, argv.rebase ? 'rebase' : 'merge'));
    emit(argv.json, r, (x) => {
      if (x.status === 'up-to-date') return [`${x.branch} already has everything of ${x.base}`];
      if (x.status === 'synced') return [`${x.how === 'merge' ? 'merged' : 'rebased'} ${x.base} into ${x.branch} (now ${x.head.slice(0, 10)})`];
      return [`${x.how} of ${x.base} into ${x.branch} would conflict in ${x.conflicts.join(', ')}: aborted, nothing changed`];
    });
    if (r.status === 'conflict') process.exitCode = Exit.CONFLICT;
  },
};

export const worktree: Verb<object> = {
  command: 'worktree',
  describe: "The agents' git worktrees: list | rm | sync",
  builder: (y) => y.command([list, rm, sync] as never).demandCommand(1, 'worktree needs a verb: list, rm or sync'),
  handler: () => {},
};

export const merge: Verb<{ agent: string; into?: string; squash?: boolean }> = {
  command: 'merge <agent>',
  describe: "Merge an idle agent's branch into its base (or --into BRANCH), after checking in memory that it merges cleanly",
  builder: (y) =>
    y
      .positional('agent', { type: 'string', demandOption: true, describe: 'Agent id' })
      .option('into', { type: 'string', requiresArg: true, describe: "The branch to merge into (default: the worktree's base)" })
      .option('squash', { type: 'boolean', describe: 'One commit on the target instead of a merge' }),
  handler: async (argv) => {
    const { mergeAgent } = await import('../../supervisor/merge.js');
    const r = await withDbAsync(argv, (db) => mergeAgent(db, { agent: argv.agent, into: argv.into, squash: !!argv.squash, actor: actorId() }));
    emit(argv.json, r, (x) => {
      if (x.status === 'up-to-date') return [`${x.into} already has everything of ${x.branch}`];
      const how = x.status === 'fast-forward' ? 'fast-forwarded' : 'merged';
      return [`${how} ${x.branch} into ${x.into}: ${x.before.slice(0, 10)} -> ${x.after.slice(0, 10)} (${x.files.length} file${x.files.length === 1 ? '' : 's'})`];
    });
  },
};
