/**
 * What feeds the hooks: the supervisor's own events (run_end, agent_failed, stall, wake),
 * and the tables other processes write (task_history, dead_letter_queue, approvals), read
 * after a cursor kept in hook_cursors. A cursor moves past a row only once its hooks have
 * started, so every change fires at least once, also one made while no supervisor ran;
 * a crash between a start and the cursor's move may fire that one change twice.
 */
import {
  type HookSource,
  approvalsAfter,
  deadLettersAfter,
  dropHookCursor,
  hookCursor,
  setHookCursor,
  startHookCursor,
  taskStatusChangesAfter,
} from '../db/hooks.js';
import { isBusy } from '../db/errors.js';
import type { Db } from '../db/open.js';
import type { Hooks, HookEventIn } from './hooks.js';
import type { Event } from './protocol.js';

const BATCH = 100;
/** How much of a dead letter's text a hook is given. */
const CONTENT_MAX = 4096;

/** The hook event for a supervisor event, or null when none; `wasFailed` tells agent_failed from a repeat. */
export function hookEventOf(ev: Event, wasFailed: boolean): HookEventIn | null {
  switch (ev.event) {
    case 'run_end':
      return {
        event: 'run_end',
        agent: ev.agent,
        outcome: ev.outcome,
        payload: { at: ev.at, run_id: ev.run, outcome: ev.outcome, exit_code: ev.exit_code, signal: ev.signal, error_class: ev.error_class, note: ev.note },
        env: { AGOR_RUN_ID: ev.run, AGOR_OUTCOME: ev.outcome },
      };
    case 'state':
      if (ev.state !== 'failed' || wasFailed) return null;
      return { event: 'agent_failed', agent: ev.agent, payload: { at: ev.at, health: ev.health, reason: ev.reason ?? null }, env: {} };
    case 'stall':
      return {
        event: 'stall',
        agent: ev.agent,
        payload: { at: ev.at, run_id: ev.run, silent_s: ev.silent_s, action: ev.action },
        env: { AGOR_RUN_ID: ev.run },
      };
    case 'wake':
      return { event: 'wake', agent: ev.agent, payload: { at: ev.at, wake: ev.wake, reason: ev.reason, detail: ev.detail }, env: {} };
    case 'budget': {
      if (ev.status !== 'exceeded') return null;
      const { event: _e, agent: _a, ...payload } = ev;
      return { event: 'budget', agent: ev.agent, payload, env: {} };
    }
    case 'conflict': {
      // A conflict concerns each of its agents: every one's own hooks run, and the group's once.
      const { event: _e, ...payload } = ev;
      return { event: 'conflict', agent: ev.agents[0] ?? null, payload, env: { AGOR_CONFLICT_ID: String(ev.id) } };
    }
    default:
      return null;
  }
}

type Reader = (db: Db, after: number) => { id: number; ev: HookEventIn | null }[];

const READERS: Record<HookSource, Reader> = {
  task_status: (db, after) =>
    taskStatusChangesAfter(db, after, BATCH).map((r) => ({
      id: r.id,
      ev: {
        event: 'task_status',
        agent: r.assigned_to,
        status: r.new_value ?? undefined,
        payload: {
          at: r.created_at,
          change_id: r.id,
          task_id: r.task_id,
          title: r.title,
          old_status: r.old_value,
          new_status: r.new_value,
          by: r.agent_id,
          assignee: r.assigned_to,
        },
        env: { TASK_ID: r.task_id, OLD_STATUS: r.old_value ?? '', NEW_STATUS: r.new_value ?? '' },
      },
    })),
  dead_letter: (db, after) =>
    deadLettersAfter(db, after, BATCH).map((r) => ({
      id: r.id,
      ev: {
        event: 'dead_letter',
        agent: r.to_agent,
        payload: {
          at: r.created_at,
          dead_letter_id: r.id,
          from: r.from_agent,
          to: r.to_agent,
          reason: r.error,
          message_id: r.message_id,
          content: r.content.length > CONTENT_MAX ? r.content.slice(0, CONTENT_MAX) : r.content,
        },
        env: {},
      },
    })),
  approval_requested: (db, after) =>
    approvalsAfter(db, after, BATCH).map((r) => ({
      id: r.id,
      // Decided before we saw it: nobody is waiting any more.
      ev:
        r.status !== 'pending'
          ? null
          : {
              event: 'approval_requested',
              agent: r.agent,
              payload: {
                at: new Date(r.created_at).toISOString(),
                approval_id: r.id,
                run_id: r.run_id,
                action: r.action,
                detail: r.detail,
                expires_at: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
              },
              env: { AGOR_APPROVAL_ID: String(r.id), ...(r.run_id ? { AGOR_RUN_ID: r.run_id } : {}) },
            },
    })),
};

/** Reads the tables after their cursors and hands each new row to the hooks. */
export class HookSources {
  private readonly active: HookSource[] = [];
  /** Where each cursor is; ahead of the database's while a write of it waits for a busy file. */
  private readonly at = new Map<HookSource, number>();
  private readonly unsaved = new Set<HookSource>();
  private busy = false;
  private again = false;
  /** Agents whose last state was failed: agent_failed fires on the change to failed only. */
  private readonly failed = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly hooks: Hooks,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the cursors of the sources some hook reads (at the newest row when new); forgets the others'. */
  init(): void {
    for (const s of Object.keys(READERS) as HookSource[]) {
      if (this.hooks.wants(s)) {
        this.at.set(s, startHookCursor(this.db, s));
        this.active.push(s);
      } else if (hookCursor(this.db, s) !== null) dropHookCursor(this.db, s);
    }
  }

  /** Hands a supervisor event to the hooks (never waits for them). */
  onEvent(ev: Event): void {
    const hev = hookEventOf(ev, ev.event === 'state' && this.failed.has(ev.agent));
    if (ev.event === 'state') {
      if (ev.state === 'failed') this.failed.add(ev.agent);
      else this.failed.delete(ev.agent);
    }
    if (hev) void this.hooks.fire(hev);
  }

  /** Reads what is new (on a database change and each tick); a call while one is running reads again after it. */
  poll(): void {
    if (!this.active.length) return;
    if (this.busy) return void (this.again = true);
    this.busy = true;
    void this.drain()
      .catch((err) => this.log(`hooks: ${(err as Error).message}`))
      .finally(() => {
        this.busy = false;
        if (this.again) ((this.again = false), this.poll());
      });
  }

  private async drain(): Promise<void> {
    for (const s of [...this.unsaved]) this.save(s);
    for (const s of this.active) {
      for (;;) {
        const rows = READERS[s](this.db, this.at.get(s) ?? 0);
        for (const r of rows) {
          // Stopping: what is left fires at the next start, its cursor unmoved.
          if (this.hooks.stopped) return;
          if (r.ev) await this.hooks.fire(r.ev, true);
          this.at.set(s, r.id);
          this.save(s);
        }
        if (rows.length < BATCH) break;
      }
    }
  }

  /** At shutdown: records the cursors a busy file kept from being recorded. */
  flush(): void {
    for (const s of [...this.unsaved]) this.save(s);
  }

  /** Records where cursor `s` is; on a busy file, the next poll tries again (a crash before then fires those changes again). */
  private save(s: HookSource): void {
    try {
      setHookCursor(this.db, s, this.at.get(s)!);
      this.unsaved.delete(s);
    } catch (err) {
      if (!isBusy(err)) throw err;
      this.unsaved.add(s);
    }
  }
}
