/**
 * The review flow's merge: when a task that says `--merge-on-done` is moved to done (by a
 * reviewer, a manager or the operator), its assignee's branch is merged as `agor merge` does,
 * once the assignee is idle (the approval itself may wake it), and the outcome is a comment
 * on the task. A merge that cannot be done (conflicts, the
 * assignee still running, uncommitted work, a mover who may not merge) puts the task in
 * blocked with the reason, so the work is not taken for merged.
 */
import { ADMIN } from '../core/roles.js';
import { type DoneMerge, doneMergesAfter, getWorktree, mergeCursor, setMergeCursor } from '../db/worktrees.js';
import { openRuns } from '../db/runs.js';
import { comment, setStatus } from '../task/board.js';
import type { Ctx } from './context.js';
import { mergeAgent } from './merge.js';

const BATCH = 50;

export class MergeOnDone {
  private busy = false;
  private again = false;
  private at: number | null = null;
  /** The cursor as last written: written again only when it moves, never on every tick. */
  private saved: number | null = null;
  /** Approved tasks whose assignee is running: merged once it is idle (the cursor stays before them). */
  private readonly waiting = new Map<number, DoneMerge>();

  constructor(private readonly ctx: Ctx) {}

  /** Reads what is new (on a database change and each tick); one pass at a time. */
  poll(): void {
    if (this.busy) return void (this.again = true);
    this.busy = true;
    void this.drain()
      .catch((err) => this.ctx.o.log(`merge on done: ${(err as Error).message}`))
      .finally(() => {
        this.busy = false;
        if (this.again) ((this.again = false), this.poll());
      });
  }

  private async drain(): Promise<void> {
    const { db } = this.ctx;
    if (this.at === null) this.saved = this.at = mergeCursor(db);
    for (const r of [...this.waiting.values()]) {
      if (this.ctx.shuttingDown() || this.running(r.assigned_to!)) continue;
      this.waiting.delete(r.id);
      await this.one(r);
    }
    for (;;) {
      const rows = doneMergesAfter(db, this.at, BATCH);
      for (const r of rows) {
        if (this.ctx.shuttingDown()) return;
        if (r.assigned_to && this.running(r.assigned_to)) this.waiting.set(r.id, r);
        else await this.one(r);
        this.at = r.id;
      }
      const next = this.waiting.size ? Math.min(...this.waiting.keys()) - 1 : this.at;
      if (next !== this.saved) {
        this.saved = next;
        // Through the write queue: a busy file is retried from the event loop, not waited on here.
        this.ctx.writes.write('the merge-on-done cursor', () => setMergeCursor(db, next), 'merge-on-done cursor');
      }
      if (rows.length < BATCH) return;
    }
  }

  private running(agent: string): boolean {
    return !!this.ctx.slots.get(agent)?.run || openRuns(this.ctx.db).some((r) => r.agent === agent);
  }

  private async one(r: DoneMerge): Promise<void> {
    const { db } = this.ctx;
    const task = r.task_id.slice(0, 8);
    if (!r.assigned_to || !getWorktree(db, r.assigned_to)) {
      comment(db, ADMIN, r.task_id, `merge on done: nothing merged (${r.assigned_to ? `${r.assigned_to} has no worktree` : 'the task has no assignee'})`);
      return;
    }
    try {
      const m = await mergeAgent(db, { agent: r.assigned_to, actor: r.agent_id });
      const what =
        m.status === 'up-to-date'
          ? `${m.into} already had everything of ${m.branch}`
          : `merged ${m.branch} into ${m.into}: ${m.before.slice(0, 10)} -> ${m.after.slice(0, 10)}`;
      comment(db, ADMIN, r.task_id, `merge on done: ${what} (approved by ${r.agent_id})`);
      this.ctx.o.log(`task ${task}: ${what}`);
    } catch (err) {
      const why = (err as Error).message;
      this.ctx.o.log(`task ${task}: merge on done refused: ${why}`);
      setStatus(db, ADMIN, r.task_id, 'blocked', { comment: `merge on done refused, nothing merged: ${why}` });
    }
  }
}
