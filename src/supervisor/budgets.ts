/**
 * Budgets in force: a spent budget holds its agents' new runs back (their wakes stay
 * pending, a service is not restarted), is announced once (event, hook, audit), stops
 * running runs under `on_exceed: stop`, and at its period's boundary is announced reset
 * and lets the held agents start again. Checked on every database change (a report) and
 * on the supervisor's tick; all times are the supervisor's clock.
 */
import { insertBudgetAlert, openBudgetAlerts, resetBudgetAlert } from '../db/budgets.js';
import { writeTx } from '../db/open.js';
import type { Ctx, Slot } from './context.js';
import { iso } from './context.js';
import { type BudgetLine, type BudgetReport, describeLine, hasBudgets, linesFor, readBudgets, spentFor } from './budget-status.js';

export interface BudgetActions {
  /** Stops a running run because its budget is spent (on_exceed: stop). */
  stop(slot: Slot): void;
  /** Starts a service agent that its budget held back. */
  start(slot: Slot): void;
  /** Lets pending wakes start the agents no budget holds back any more. */
  checkWakes(): void;
}

export class Budgets {
  /** Agents refused a start by a spent budget, to start again when it resets. */
  private readonly held = new Set<string>();
  /** budget@period_start of the spent budgets this supervisor has announced (or found announced). */
  private readonly announced = new Set<string>();

  constructor(
    private readonly ctx: Ctx,
    private readonly act: BudgetActions,
  ) {}

  private report(): BudgetReport {
    return readBudgets(this.ctx.db, this.ctx.o.config, this.ctx.now());
  }

  /**
   * True when a spent budget keeps `slot` from starting a run now. An unreadable ledger
   * holds nothing back: budgets are a brake, not a reason to stop the team.
   */
  holds(slot: Slot): boolean {
    if (!hasBudgets(this.ctx.o.config)) return false;
    let line: BudgetLine | null;
    try {
      line = spentFor(this.report(), slot.cfg.id);
    } catch {
      return false;
    }
    if (!line) return false;
    if (!this.held.has(slot.cfg.id)) {
      this.held.add(slot.cfg.id);
      this.ctx.o.log(`${slot.cfg.id}: ${describeLine(line)}: no new run until ${line.resets_at}`);
    }
    // A restart or retry that was due is not: the reset starts it.
    slot.nextStartAt = null;
    this.mark(slot, describeLine(line));
    return true;
  }

  /** Records on the slot why a budget holds it (attention rises), saving the state when that changed. */
  private mark(slot: Slot, reason: string | null): void {
    if (slot.budgetSpent === reason) return;
    slot.budgetSpent = reason;
    this.ctx.persist(slot);
  }

  /** Announces budgets newly spent and periods that ended, stops what on_exceed: stop stops, and starts what was held. */
  check(): void {
    const { ctx } = this;
    if (ctx.shuttingDown()) return;
    const open = openBudgetAlerts(ctx.db);
    if (!hasBudgets(ctx.o.config) && !open.length && !this.held.size) return;
    const now = ctx.now();
    const r = this.report();
    const all = [...r.group.budgets, ...r.agents.flatMap((a) => a.budgets)];
    const current = new Map(all.map((l) => [l.key, l]));
    // Resets first: a period that ended frees its agents before anything is counted anew.
    for (const row of open) {
      const l = current.get(row.budget);
      if (l && l.period_start === row.period_start && l.status === 'spent') continue;
      if (!writeTx(ctx.db, () => resetBudgetAlert(ctx.db, row.budget, row.period_start, now))) continue;
      const [scope, , period, kind] = row.budget.startsWith('group:') ? ['group', null, ...row.budget.split(':').slice(1)] : row.budget.split(':');
      const ev = {
        event: 'budget' as const,
        at: iso(now)!,
        agent: row.agent,
        status: 'reset' as const,
        scope: scope as 'agent' | 'group',
        period: period as 'daily' | 'monthly',
        kind: kind as 'cost' | 'tokens',
        spent: row.spent,
        limit: row.budget_limit,
        currency: kind === 'cost' ? r.currency : null,
      };
      ctx.audit('budget_reset', { budget: row.budget, agent: row.agent, period_start: iso(row.period_start) });
      ctx.emit(ev);
    }
    // A spent budget stays spent for the rest of its period: announced (written) once, not on every check.
    const announced = new Set(open.map((a) => `${a.budget}@${a.period_start}`));
    for (const l of all) {
      if (l.status !== 'spent') continue;
      const at = `${l.key}@${l.period_start}`;
      if (announced.has(at) || this.announced.has(at)) continue;
      const agent = l.agent ?? topSpender(r, l);
      const row = { budget: l.key, period_start: l.period_start, agent, spent: l.spent, budget_limit: l.limit, exceeded_at: now };
      const inserted = writeTx(ctx.db, () => insertBudgetAlert(ctx.db, row));
      this.announced.add(at);
      if (inserted) {
        ctx.audit('budget_exceeded', { budget: l.key, agent, spent: l.spent, limit: l.limit, resets_at: l.resets_at });
        ctx.emit({
          event: 'budget',
          at: iso(now)!,
          agent,
          status: 'exceeded',
          scope: l.scope,
          period: l.period,
          kind: l.kind,
          spent: l.spent,
          limit: l.limit,
          currency: l.currency,
        });
      }
    }
    let freed = false;
    for (const slot of ctx.slots.values()) {
      const spent = spentFor(r, slot.cfg.id);
      if (spent) {
        this.mark(slot, describeLine(spent));
        // A run going on a spent budget: stopped when its budget says so, else left to finish.
        const stopper = linesFor(r, slot.cfg.id).find((l) => l.status === 'spent' && l.on_exceed === 'stop');
        if (stopper && slot.run && !slot.run.ended && slot.run.stopping === null) {
          ctx.o.log(`${slot.cfg.id}: ${describeLine(stopper)}: stopping run ${slot.run.id.slice(0, 8)} (on_exceed: stop)`);
          this.held.add(slot.cfg.id);
          this.act.stop(slot);
        }
        continue;
      }
      this.mark(slot, null);
      if (!this.held.delete(slot.cfg.id)) continue;
      freed = true;
      ctx.o.log(`${slot.cfg.id}: no budget holds it back any more`);
      if (slot.cfg.mode === 'service' && slot.enabled && !slot.run && !slot.timer && slot.state !== 'failed') this.act.start(slot);
    }
    if (freed) this.act.checkWakes();
  }
}

/** Who spent most of a group budget in its period: the agent its events name. */
function topSpender(r: BudgetReport, l: BudgetLine): string {
  const amount = (a: BudgetReport['agents'][number]) =>
    l.kind === 'cost' ? (l.period === 'daily' ? a.today.cost : a.month.cost) : l.period === 'daily' ? a.today.tokens : a.month.tokens;
  const top = [...r.agents].sort((a, b) => amount(b) - amount(a))[0];
  return top?.agent ?? 'group';
}
