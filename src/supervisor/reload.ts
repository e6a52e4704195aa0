/**
 * Reloading agor.yaml in a running supervisor (`agor reload`, SIGHUP): the file re-read and
 * validated, then the plan of reload-plan.ts applied. Agents that did not change keep their process.
 */
import { conflict } from '../core/errors.js';
import { type AgentConfig, type GroupConfig, loadConfig } from './config.js';
import { type Ctx, type Slot, iso, newSlot, restState } from './context.js';
import { registerAgents } from './lock.js';
import { type AgentPlan, type ReloadPlan, planReload } from './reload-plan.js';
import type { Runs } from './runs.js';
import { nextSlot, scheduleKey } from './schedule.js';
import type { Wakeups } from './wakeups.js';
import { writeTx } from '../db/open.js';

export interface ReloadResult extends ReloadPlan {
  dry_run: boolean;
  /** What could not be done (a process that did not stop in time); the rest was applied. */
  errors: string[];
}

export interface ReloadDeps {
  runs: Runs;
  wakeups: Wakeups;
  /** Hands the group's new settings to the modules that hold them (hooks, notifications, ...). */
  configure: (config: GroupConfig) => void;
}

/** Applies reloads one at a time: a second reload waits for the first. */
export class Reloader {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: Ctx,
    private readonly d: ReloadDeps,
  ) {}

  /**
   * Re-reads the file the supervisor was started with and applies the difference (nothing
   * with `dryRun`). A bad file, or a reload during shutdown, is refused and changes nothing.
   */
  reload(dryRun: boolean, by: string): Promise<ReloadResult> {
    const next = this.chain.then(() => this.once(dryRun, by));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async once(dryRun: boolean, by: string): Promise<ReloadResult> {
    const { ctx } = this;
    let plan: ReloadPlan;
    let config: GroupConfig;
    try {
      if (ctx.shuttingDown()) throw conflict('the supervisor is shutting down', 'start it again with: agor up -d');
      config = loadConfig(ctx.o.config.file);
      plan = this.annotate(planReload(ctx.o.config, config));
    } catch (err) {
      if (!dryRun) this.refused(err as Error, by);
      throw err;
    }
    if (dryRun) return { ...plan, dry_run: true, errors: [] };
    const errors = await this.apply(config, plan);
    ctx.audit('config_reloaded', {
      by,
      file: plan.file,
      added: plan.added,
      removed: plan.removed,
      restarted: plan.restarted,
      updated: plan.updated,
      changes: Object.fromEntries(plan.agents.filter((a) => a.changes.length).map((a) => [a.agent, a.changes])),
      group: plan.group_changes.map((g) => g.key),
      ...(errors.length ? { errors } : {}),
    });
    ctx.emit({ event: 'reload', at: iso(ctx.now())!, status: 'applied', ...this.lists(plan), error: errors.length ? errors.join('; ') : null });
    return { ...plan, dry_run: false, errors };
  }

  private lists(p: ReloadPlan) {
    return { added: p.added, removed: p.removed, restarted: p.restarted, updated: p.updated };
  }

  private refused(err: Error, by: string): void {
    const { ctx } = this;
    ctx.audit('config_reload_refused', { by, error: err.message });
    ctx.emit({ event: 'reload', at: iso(ctx.now())!, status: 'refused', added: [], removed: [], restarted: [], updated: [], error: err.message });
  }

  /** A restart of an agent with no process is only a new configuration for its next start. */
  private annotate(p: ReloadPlan): ReloadPlan {
    const agents = p.agents.map((a): AgentPlan => {
      const slot = this.ctx.slots.get(a.agent);
      // A change of mode decides itself whether the agent runs now (apply).
      if (a.kind !== 'restart' || !slot || slot.run || a.changes.includes('mode')) return a;
      return { ...a, why: `${a.why} (not running: in force at its next start)` };
    });
    return { ...p, agents };
  }

  /** Applies `plan`; returns what failed (the rest is applied all the same). */
  private async apply(config: GroupConfig, plan: ReloadPlan): Promise<string[]> {
    const { ctx, d } = this;
    const errors: string[] = [];
    const cfgOf = new Map(config.agents.map((a) => [a.id, a]));
    await ctx.secrets.load(config.agents);
    const stops: Promise<void>[] = [];
    const startLater: Slot[] = [];
    const stop = (slot: Slot, why: 'removed' | 'restart') =>
      stops.push(d.runs.stop(slot, why).catch((err: Error) => void errors.push(`${slot.cfg.id}: ${err.message}`)));
    for (const p of plan.agents) {
      const slot = ctx.slots.get(p.agent);
      if (p.kind === 'remove' && slot) {
        slot.enabled = false;
        if (slot.timer) (clearTimeout(slot.timer), (slot.timer = null), (slot.nextStartAt = null));
        ctx.startQueue = ctx.startQueue.filter((q) => q !== slot.cfg.id);
        if (slot.run) stop(slot, 'removed');
      } else if ((p.kind === 'restart' || p.kind === 'update') && slot) {
        const wasService = slot.cfg.mode === 'service';
        this.reconfigure(slot, cfgOf.get(p.agent)!);
        const live = slot.run !== null && !slot.run.ended;
        // A service turned on-demand ends its run and rests, dormant until woken; one turned service starts as agor up would.
        if (p.kind === 'restart' && live) stop(slot, wasService && slot.cfg.mode === 'on-demand' ? 'removed' : 'restart');
        else if (!live && !wasService && slot.cfg.mode === 'service') startLater.push(slot);
      }
    }
    // The group's settings first: the restarts and new agents below start under them.
    ctx.o.config = config;
    d.configure(config);
    await Promise.all(stops);
    for (const id of plan.removed) ctx.slots.delete(id);
    try {
      await ctx.patientWrite('the agents of the group', () => writeTx(ctx.db, () => registerAgents(ctx.db, config)));
    } catch (err) {
      errors.push(`registration: ${(err as Error).message}`);
    }
    for (const slot of startLater) d.runs.start(slot, 'start', 0);
    for (const id of plan.added) {
      const slot = newSlot(cfgOf.get(id)!);
      ctx.slots.set(id, slot);
      this.arm(slot);
      if (slot.cfg.mode === 'service') d.runs.start(slot, 'start', 0);
      else ctx.persist(slot);
      ctx.emitState(slot, 'added by a reload');
    }
    // A higher max_concurrent lets queued agents start now; new on-demand agents take their wakes.
    d.runs.drainQueue();
    ctx.safe('wakes', () => d.wakeups.check());
    return errors;
  }

  /** The agent's new configuration in place: schedules re-armed, its state at rest if its mode changed. */
  private reconfigure(slot: Slot, cfg: AgentConfig): void {
    const old = slot.cfg;
    slot.cfg = cfg;
    if (JSON.stringify(old.worktree) !== JSON.stringify(cfg.worktree)) {
      // Another worktree (or none): the next start makes or finds it anew, from the new settings.
      this.d.runs.worktrees.forget(cfg.id);
      slot.workdir = cfg.cwd;
    } else if (slot.workdir === old.cwd) slot.workdir = cfg.cwd; // else its own worktree chose where it works

    if (JSON.stringify(old.schedules) !== JSON.stringify(cfg.schedules)) this.arm(slot);
    if (old.mode !== cfg.mode && !slot.run && slot.state !== 'failed') slot.state = restState(slot);
    this.ctx.persist(slot);
  }

  /** The slot's schedules planned from now; a schedule kept from before keeps its next time. */
  private arm(slot: Slot): void {
    const now = this.ctx.now();
    const before = new Map(slot.schedules.map((s) => [s.key, s.next]));
    slot.schedules = slot.cfg.schedules.map((s) => {
      const key = scheduleKey(s);
      return { key, s, next: before.get(key) ?? nextSlot(s, now) };
    });
  }
}
