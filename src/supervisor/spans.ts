/**
 * The supervisor's spans, drawn from what it already does: its events (run_start, run_end,
 * wake), its control-socket requests and the approvals table. Costs a flag test per event
 * while tracing is off.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { UserError, exitCodeName } from '../core/errors.js';
import { type ApprovalWaitRow, approvalsAfter, decidedAmong, lastApprovalId } from '../db/approval-waits.js';
import type { Db } from '../db/open.js';
import * as R from '../db/runs.js';
import type { Event, Request } from './protocol.js';
import { type Attrs, type Span, tracer } from './trace.js';

/** A tracer that can also place a span's start in the past (otel.ts's). */
interface Timed {
  startAt?(name: string, attrs: Attrs, startMs: number, parent?: Span | null): Span;
}
type EndAt = (o: { attrs?: Attrs; error?: string; atMs?: number }) => void;

/** The last approval's id, or null when the database cannot be read now (the next tick tries again). */
function lastApprovalIdOr(db: Db): number | null {
  try {
    return lastApprovalId(db);
  } catch {
    return null;
  }
}

export class SupervisorSpans {
  private readonly runs = new Map<string, Span>();
  /** Each agent's wakes not yet taken by a run: the run that takes them is their child. */
  private readonly wakes = new Map<string, Span[]>();
  private readonly approvals = new Map<number, Span>();
  private approvalCursor: number | null = null;
  /** The request being served, for the wakes and runs it causes. */
  private readonly current = new AsyncLocalStorage<Span>();
  /** Requests still being served: timers and callbacks a request set up outlive it, and keep its context. */
  private readonly serving = new Set<Span>();

  constructor(
    private readonly db: Db,
    private readonly sandboxMode: (agent: string) => string,
  ) {
    // Requests made before this supervisor started are not its waits to trace.
    if (tracer().enabled) this.approvalCursor = lastApprovalIdOr(db);
  }

  /** Serves a control-socket request inside its 'request' span. */
  request<T>(req: Request, fn: () => Promise<T>): Promise<T> {
    if (!tracer().enabled) return fn();
    const agents = Array.isArray(req.agents) ? req.agents.filter((a) => typeof a === 'string').join(',') : typeof req.agent === 'string' ? req.agent : undefined;
    const span = tracer().start('request', { 'agor.op': String(req.op), 'agor.agents': agents });
    this.serving.add(span);
    return this.current.run(span, fn).then(
      (v) => (this.serving.delete(span), span.end({ attrs: { 'agor.result': 'ok' } }), v),
      (err: unknown) => {
        this.serving.delete(span);
        const code = err instanceof UserError ? exitCodeName(err.code) : 'failure';
        span.end({ error: (err as Error)?.message ?? String(err), attrs: { 'agor.result': code } });
        throw err;
      },
    );
  }

  /** The request being served, if this event comes from serving it. */
  private servedRequest(): Span | null {
    const s = this.current.getStore();
    return s && this.serving.has(s) ? s : null;
  }

  /** Starts and ends spans as the supervisor's events say. */
  event(ev: Event): void {
    if (!tracer().enabled) return;
    if (ev.event === 'wake') {
      const span = tracer().start(
        'wake',
        { 'agor.agent': ev.agent, 'agor.wake.id': ev.wake, 'agor.wake.reason': ev.reason, 'agor.wake.detail': ev.detail },
        this.servedRequest(),
      );
      const list = this.wakes.get(ev.agent) ?? [];
      list.push(span);
      this.wakes.set(ev.agent, list);
    } else if (ev.event === 'run_start') {
      const taken = this.wakes.get(ev.agent) ?? [];
      this.wakes.delete(ev.agent);
      const parent = taken[0] ?? this.servedRequest();
      const span = tracer().start(
        'run',
        {
          'agor.agent': ev.agent,
          'agor.run.id': ev.run,
          'agor.run.incarnation': ev.incarnation,
          'agor.run.wake_reason': ev.wake_reason,
          'agor.run.adopted': ev.adopted ?? false,
          'agor.sandbox.mode': this.sandboxMode(ev.agent),
        },
        parent,
      );
      this.runs.get(ev.run)?.end({ error: 'replaced' });
      this.runs.set(ev.run, span);
      for (const w of taken) w.end({ attrs: { 'agor.run.id': ev.run } });
    } else if (ev.event === 'run_end') {
      const span = this.runs.get(ev.run);
      if (!span) return;
      this.runs.delete(ev.run);
      let row: R.RunRow | undefined;
      try {
        row = R.getRun(this.db, ev.run);
      } catch {
        /* the figures the agent reported are left out of this span */
      }
      const attrs: Attrs = {
        'agor.run.outcome': ev.outcome,
        'agor.run.exit_code': ev.exit_code,
        'agor.run.signal': ev.signal,
        'agor.run.error_class': ev.error_class,
        'agor.run.tokens_in': row?.tokens_in,
        'agor.run.tokens_out': row?.tokens_out,
        'agor.run.cost_usd': row?.cost_usd,
        'agor.sandbox': row?.sandbox,
      };
      span.end(['failed', 'timeout', 'blocked'].includes(ev.outcome) ? { attrs, error: ev.error_class ?? ev.outcome } : { attrs });
    }
  }

  /** Reads new and decided approvals: an 'approval.wait' span from request to decision. */
  pollApprovals(): void {
    if (!tracer().enabled) return;
    this.approvalCursor ??= lastApprovalIdOr(this.db);
    if (this.approvalCursor === null) return;
    for (const row of approvalsAfter(this.db, this.approvalCursor)) {
      this.approvalCursor = row.id;
      const attrs = { 'agor.agent': row.agent, 'agor.run.id': row.run_id, 'agor.approval.id': row.id, 'agor.approval.action': row.action };
      const t = tracer() as unknown as Timed;
      const span = t.startAt ? t.startAt('approval.wait', attrs, row.created_at, this.parentOf(row)) : tracer().start('approval.wait', attrs, this.parentOf(row));
      if (row.status === 'pending') this.approvals.set(row.id, span);
      else this.decide(span, row);
    }
    for (const row of decidedAmong(this.db, [...this.approvals.keys()])) {
      this.decide(this.approvals.get(row.id)!, row);
      this.approvals.delete(row.id);
    }
  }

  /** The run that asked, when it is still being traced. */
  private parentOf(row: ApprovalWaitRow): Span | null {
    return row.run_id ? (this.runs.get(row.run_id) ?? null) : null;
  }

  private decide(span: Span, row: ApprovalWaitRow): void {
    const attrs = { 'agor.approval.decision': row.status, 'agor.approval.decided_by': row.decided_by };
    (span.end as EndAt)({ attrs, atMs: row.decided_at ?? undefined });
  }

  /** Ends what is still open (the supervisor is stopping): wakes no run took, waits undecided. */
  close(): void {
    for (const list of this.wakes.values()) for (const w of list) w.end({ attrs: { 'agor.wake.taken': false } });
    for (const s of this.approvals.values()) s.end({ attrs: { 'agor.approval.decision': 'pending' } });
    for (const s of this.runs.values()) s.end({ attrs: { 'agor.run.outcome': 'open' } });
    this.wakes.clear();
    this.approvals.clear();
    this.runs.clear();
  }
}
