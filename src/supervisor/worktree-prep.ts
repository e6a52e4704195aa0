/**
 * The step before a run of an agent with `worktree:`: its worktree is made (or found) with
 * git, which is asynchronous, while a start is not; so the start waits here, holding its
 * place under max_concurrent, and is tried again once the worktree is there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getWorktree } from '../db/worktrees.js';
import type { AgentConfig } from './config.js';
import type { Ctx, Slot } from './context.js';
import { ensureWorktree, gitPaths, workdirIn } from './worktrees.js';

export class WorktreePrep {
  /** Agents whose worktree is being made, and those whose worktree is known to be there. */
  private readonly preparing = new Set<string>();
  private readonly ready = new Map<string, string>();
  /** The git paths a sandboxed run of the agent must write to commit. */
  private readonly gitPaths = new Map<string, { read: string[]; write: string[] }>();

  /** One worktree made at a time: git's own locks would refuse a second `worktree add` racing the first. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: Ctx) {}

  /** Agents holding a place under max_concurrent while their worktree is made. */
  get count(): number {
    return this.preparing.size;
  }

  /** True when `slot` may start now; else its worktree is being made and `then` runs when that is done (with the error, if any). */
  readyFor(slot: Slot, then: (failure: string | null) => void): boolean {
    const id = slot.cfg.id;
    if (!slot.cfg.worktree) return true;
    // Checked at each start: `agor worktree rm` may have removed it since, and the next run makes it again.
    const known = this.ready.get(id);
    if (known !== undefined && existsSync(join(known, '.git'))) return true;
    this.ready.delete(id);
    if (this.preparing.has(id)) return false;
    this.preparing.add(id);
    const made = this.chain.then(() => ensureWorktree(this.ctx.db, slot.cfg));
    this.chain = made.catch(() => undefined);
    made
      .then(async (row) => {
        slot.workdir = workdirIn(slot.cfg, row);
        this.gitPaths.set(id, await gitPaths(row.path).catch(() => ({ read: [], write: [] })));
        this.ready.set(id, row.path);
        return null;
      })
      .catch((err: unknown) => `worktree: ${(err as Error)?.message ?? String(err)}`)
      .then((failure) => {
        this.preparing.delete(id);
        this.ctx.safe(id, () => then(failure));
      })
      .catch((err: unknown) => this.ctx.o.log(`${id}: ${String(err)}`));
    return false;
  }

  /** Forgets what is known of the agent's worktree (it was removed, or its config changed): the next start looks again. */
  forget(agent: string): void {
    this.ready.delete(agent);
    this.gitPaths.delete(agent);
  }

  /** The agent's config as a run sees it: its worktree as cwd, writable along with the git paths a commit needs. */
  runConfig(slot: Slot): AgentConfig {
    const a = slot.cfg;
    if (!a.worktree) return a;
    const git = this.gitPaths.get(a.id);
    return {
      ...a,
      cwd: slot.workdir,
      sandbox: { ...a.sandbox, read: [...a.sandbox.read, ...(git?.read ?? [])], write: [...a.sandbox.write, ...(git?.write ?? [])] },
    };
  }
}

/** At start-up: the agents' recorded worktrees are where their (re-adopted) runs work. */
export function restoreWorkdirs(ctx: Ctx): void {
  for (const slot of ctx.slots.values()) {
    if (!slot.cfg.worktree) continue;
    ctx.safe(slot.cfg.id, () => {
      const row = getWorktree(ctx.db, slot.cfg.id);
      if (row && row.branch === slot.cfg.worktree!.branch) slot.workdir = workdirIn(slot.cfg, row);
    });
  }
}
