/** The fleet as `agor ps` and the control socket's `list` show it, from the slots and the database's counts. */
import { unreadCount } from '../db/messages.js';
import * as R from '../db/runs.js';
import { activeLeaseCounts } from '../db/supervisor.js';
import { agentBudget, hasBudgets, readBudgets } from './budget-status.js';
import type { Ctx } from './context.js';
import type { AgentView } from './protocol.js';
import { attentionOf } from './state.js';
import { lastRunFields, worktreeFields } from './status.js';
import { agentView } from './views.js';

interface Counts {
  unread: Map<string, number>;
  claimed: Map<string, number>;
  pending: Map<string, number>;
  beats: Map<string, number | null>;
}

/** The supervisor's view of its agents; counts it cannot read now are the last ones it read. */
export class FleetList {
  private lastCounts: Counts = { unread: new Map(), claimed: new Map(), pending: new Map(), beats: new Map() };

  constructor(private readonly ctx: Ctx) {}

  /** The agents as `agor ps` shows them. */
  list(): AgentView[] {
    const { unread, claimed, pending, beats } = this.counts();
    const now = this.ctx.now();
    let budgets: ReturnType<typeof readBudgets> | null = null;
    if (hasBudgets(this.ctx.o.config)) this.ctx.safe('budgets', () => (budgets = readBudgets(this.ctx.db, this.ctx.o.config, now)));
    const worktrees = worktreeFields(this.ctx.db);
    return [...this.ctx.slots.values()].map((s) => {
      const hb = s.run ? beats.get(s.run.id) : null;
      return agentView(
        {
          id: s.cfg.id,
          name: s.cfg.name,
          role: s.cfg.role,
          mode: s.cfg.mode,
          strategy: s.cfg.wake.strategy,
          state: s.state,
          health: s.health,
          // Heartbeats are stamped with the wall clock; the other times are the supervisor's.
          run: s.run
            ? { id: s.run.id, pid: s.run.pid, startedAt: s.run.startedAt, lastOutputAt: s.run.lastOutputAt, heartbeatAt: hb ? hb + now - Date.now() : null }
            : null,
          restarts: s.restarts,
          attempts: s.attempts,
          nextStartAt: s.nextStartAt,
          pendingWakes: pending.get(s.cfg.id) ?? 0,
          unread: unread.get(s.cfg.id) ?? 0,
          claimed: claimed.get(s.cfg.id) ?? 0,
          attention: attentionOf(this.ctx.db, s),
          supervised: true,
          stallAfterMs: s.cfg.stallAfterMs,
          lastRun: lastRunFields(this.ctx.db, s.cfg.id),
          budget: budgets && agentBudget(budgets, s.cfg.id),
          worktree: worktrees.get(s.cfg.id) ?? null,
        },
        now,
      );
    });
  }

  /** Unread, claimed and pending counts; the last ones read when the database cannot be read now. */
  private counts(): Counts {
    try {
      this.lastCounts = {
        unread: new Map([...this.ctx.slots.keys()].map((id) => [id, unreadCount(this.ctx.db, id)])),
        claimed: activeLeaseCounts(this.ctx.db),
        pending: new Map(R.pendingWakeCounts(this.ctx.db).map((p) => [p.agent, p.n])),
        beats: new Map(R.openRunHeartbeats(this.ctx.db).map((r) => [r.id, r.heartbeat_at])),
      };
    } catch {
      /* answer from memory */
    }
    return this.lastCounts;
  }
}
