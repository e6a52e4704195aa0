/** An agent's saved state (the agent_state row): restored at start-up, saved on every change, with its attention score. */
import { inOpenConflict } from '../db/conflicts.js';
import type { Db } from '../db/open.js';
import * as R from '../db/runs.js';
import type { Slot } from './context.js';
import { attentionScore } from './scoring.js';
import { wakeContext } from './wakeups.js';

/**
 * What the operator or the failure policy decided before this supervisor started: an
 * agent stopped with `agor stop` stays stopped, and a failed one stays failed (its wakes
 * waiting), until `agor start` or `restart`.
 */
export function restoreState(db: Db, slots: Map<string, Slot>, log: (line: string) => void): void {
  for (const row of R.listAgentState(db)) {
    const slot = slots.get(row.agent);
    if (!slot) continue;
    if (row.enabled === 0) slot.enabled = false;
    if (row.state === 'failed') {
      slot.state = 'failed';
      slot.health = 'failed';
      slot.attempts = row.attempts;
      slot.restarts = row.restarts;
      log(`${slot.cfg.id}: stays failed until agor start or restart`);
    } else if (!slot.enabled) {
      slot.state = 'inactive';
      log(`${slot.cfg.id}: stays stopped until agor start or restart`);
    }
  }
}

/** The slot's attention score now; when the database cannot be read, the last one stands. */
export function attentionOf(db: Db, slot: Slot): { score: number; reason: string | null } {
  try {
    const context = slot.run ? (R.getRun(db, slot.run.id)?.context_usage ?? null) : null;
    const review = ['reviewer', 'manager'].includes(slot.cfg.role) ? wakeContext(db, slot.cfg.id).review : 0;
    slot.lastAttention = attentionScore({
      stalled: slot.state === 'stalled',
      error: slot.state === 'failed' || slot.health === 'failed',
      contextUsage: context,
      fileConflict: inOpenConflict(db, slot.cfg.id),
      reviewQueue: review,
      budgetSpent: slot.budgetSpent,
    });
  } catch {
    /* unreadable for now */
  }
  return slot.lastAttention;
}

/** The agent_state row of a slot as it is at `now`. */
export function stateRow(slot: Slot, att: { score: number; reason: string | null }, now: number): R.AgentStateRow {
  return {
    agent: slot.cfg.id,
    mode: slot.cfg.mode,
    state: slot.state,
    health: slot.health,
    run_id: slot.run?.id ?? null,
    pid: slot.run?.pid ?? null,
    restarts: slot.restarts,
    attempts: slot.attempts,
    last_output_at: slot.run?.lastOutputAt ?? null,
    next_start_at: slot.nextStartAt,
    attention: att.score,
    attention_reason: att.reason,
    updated_at: now,
    enabled: slot.enabled ? 1 : 0,
  };
}
