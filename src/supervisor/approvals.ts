/** Human approvals: an agent asks before a risky action and waits until the operator decides. */
import { existsSync } from 'node:fs';
import { conflict, notFound, usage } from '../core/errors.js';
import { ADMIN } from '../core/roles.js';
import { longTimeout } from '../core/timer.js';
import { recordHeartbeat, getAgent } from '../db/agents.js';
import * as A from '../db/approvals.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';
import { getSupervisor, touchRunHeartbeat } from '../db/runs.js';
import { watchDb } from '../db/watch.js';
import { refused } from '../msg/refusals.js';
import { type ApprovalPolicy, NO_POLICY } from './approvals-config.js';
import { CONFIG_FILE, loadConfig } from './config.js';
import { tracer } from './trace.js';

export type { ApprovalRow, ApprovalStatus } from '../db/approvals.js';

export const DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60_000;
export const MAX_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;
/** How often a waiting request beats its run's heartbeat: well inside the shortest sensible stall_after. */
export const APPROVAL_BEAT_MS = 30_000;
const MAX_ACTION = 4096;
const MAX_DETAIL = 64 * 1024;

/** A request as the CLI, the dashboard and the relay show it: times as ISO text. */
export interface ApprovalView {
  id: number;
  agent: string;
  run_id: string | null;
  action: string;
  detail: string | null;
  status: A.ApprovalStatus;
  created_at: string;
  expires_at: string | null;
  decided_at: string | null;
  decided_by: string | null;
  note: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const approvalView = (r: A.ApprovalRow): ApprovalView => ({
  ...r,
  created_at: iso(r.created_at)!,
  expires_at: iso(r.expires_at),
  decided_at: iso(r.decided_at),
});

/**
 * Glob over the whole action text: `*` any run of characters (spaces and slashes too), `?`
 * one character; everything else literal. "git push*" matches "git push --force origin".
 */
export function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${re}$`).test(action.trim());
}

export interface RequestInput {
  agent: string;
  runId: string | null;
  action: string;
  detail: string | null;
  timeoutMs: number;
  /** Approve at once, decided by 'policy' (the action matched auto_approve). */
  autoApprove?: boolean;
  now?: number;
}

/** Records a request (audited approval_requested), approved at once by policy when asked. */
export function requestApproval(db: Db, i: RequestInput): A.ApprovalRow {
  const action = i.action.trim();
  if (!action) throw usage('--action is empty', 'say what the agent is about to do, e.g. --action "rm -rf build"');
  if (action.length > MAX_ACTION) throw usage(`--action is over ${MAX_ACTION} characters`, 'put the long part in --detail');
  if (i.detail !== null && i.detail.length > MAX_DETAIL) throw usage(`--detail is over ${MAX_DETAIL} characters`);
  if (!(i.timeoutMs > 0) || i.timeoutMs > MAX_APPROVAL_TIMEOUT_MS) throw usage('--timeout must be above 0 and at most 24h');
  const now = i.now ?? Date.now();
  return writeTx(db, () => {
    const row = A.insertApproval(db, { agent: i.agent, run_id: i.runId, action, detail: i.detail, created_at: now, expires_at: now + i.timeoutMs });
    audit(db, i.agent, 'approval_requested', { id: row.id, action, run: i.runId, expires_at: iso(row.expires_at) });
    if (!i.autoApprove) return row;
    A.decideApproval(db, row.id, 'approved', 'policy', 'matches auto_approve', now);
    audit(db, 'policy', 'approval_approved', { id: row.id, agent: i.agent, action, by: 'policy' });
    return A.getApproval(db, row.id)!;
  });
}

/** Moves every pending request past its expiry to timeout (which denies), audited. */
export function expireApprovals(db: Db, now = Date.now()): A.ApprovalRow[] {
  if (!A.expiredApprovals(db, now).length) return [];
  return writeTx(db, () =>
    A.expiredApprovals(db, now).filter((r) => {
      if (!A.decideApproval(db, r.id, 'timeout', 'timeout', null, now)) return false;
      audit(db, r.agent, 'approval_timeout', { id: r.id, action: r.action });
      return true;
    }),
  );
}

/** Pending requests (or every request, newest `limit`), after expiring the overdue. */
export function listApprovals(db: Db, opts: { all?: boolean; limit?: number; readOnly?: boolean } = {}): ApprovalView[] {
  const now = Date.now();
  if (!opts.readOnly) expireApprovals(db, now);
  // A read-only connection cannot mark the overdue: they show as what they are, timed out.
  return A.listApprovals(db, opts)
    .map((r) => (r.status === 'pending' && r.expires_at !== null && r.expires_at <= now ? { ...r, status: 'timeout' as const } : r))
    .filter((r) => opts.all || r.status === 'pending')
    .map(approvalView);
}

/**
 * Refuses a decision by an agent: the operator (admin) and managers decide, and nobody
 * but the operator approves a request of their own.
 */
export function checkDecider(db: Db, actor: string, request?: A.ApprovalRow): void {
  if (actor === ADMIN) return;
  const a = getAgent(db, actor);
  const may = a && (a.tier === 0 || a.role === 'manager');
  if (!may || request?.agent === actor)
    throw refused(
      { agent: actor, action: 'approve', ...(request ? { target: String(request.id) } : {}) },
      may ? `${actor} may not decide its own request` : `${actor} (${a?.role ?? 'unregistered'}) may not decide approval requests`,
      'the operator decides: agor approve ID / agor deny ID, the dashboard, or the relay with an admin token',
    );
}

export interface DecideInput {
  id: number;
  decision: 'approved' | 'denied';
  /** Who decides, as audited: admin, a manager's id, or a relay token's name. */
  by: string;
  note?: string | null;
  /** The caller's agent id, checked by checkDecider; absent when the caller was authorised elsewhere (the relay). */
  actor?: string;
  now?: number;
}

/** Approves or denies a pending request; not found exit 3, already decided exit 5. */
export function decideApproval(db: Db, d: DecideInput): A.ApprovalRow {
  if (d.note && d.note.length > MAX_DETAIL) throw usage(`--note is over ${MAX_DETAIL} characters`);
  const now = d.now ?? Date.now();
  expireApprovals(db, now);
  return writeTx(db, () => {
    const r = A.getApproval(db, d.id);
    if (!r) throw notFound(`no approval request ${d.id}`, 'agor approval list shows the pending ones');
    if (d.actor !== undefined) checkDecider(db, d.actor, r);
    if (!A.decideApproval(db, r.id, d.decision, d.by, d.note ?? null, now))
      throw conflict(`request ${r.id} is already ${r.status}${r.decided_by ? ` (by ${r.decided_by})` : ''}`, 'agor approval list --all shows every request');
    audit(db, d.by, d.decision === 'approved' ? 'approval_approved' : 'approval_denied', {
      id: r.id,
      agent: r.agent,
      action: r.action,
      by: d.by,
      note: d.note ?? null,
    });
    return A.getApproval(db, r.id)!;
  });
}

/** Withdraws a pending request (its requester was interrupted); false when already decided. */
export function cancelApproval(db: Db, id: number, by: string): boolean {
  return writeTx(db, () => {
    const r = A.getApproval(db, id);
    if (!r || !A.decideApproval(db, id, 'cancelled', by, null, Date.now())) return false;
    audit(db, by, 'approval_cancelled', { id, action: r.action });
    return true;
  });
}

/** Beats the heartbeat of the requester and its run, as `btmsg heartbeat` does, so stall detection waits. */
export function beat(db: Db, agent: string, runId: string | null): void {
  writeTx(db, () => {
    if (getAgent(db, agent)) recordHeartbeat(db, agent, Math.floor(Date.now() / 1000));
    if (runId) touchRunHeartbeat(db, runId, Date.now());
  });
}

/**
 * Waits until request `id` leaves pending: woken by writes to the database file (not a
 * tight poll), timed out at its expiry (by this waiter, which then audits the timeout),
 * beating the run's heartbeat every `beatMs` meanwhile. `signal` stops the wait early.
 */
export async function waitForDecision(db: Db, id: number, o: { beatMs?: number; signal?: AbortSignal } = {}): Promise<A.ApprovalRow> {
  let stop = () => {};
  let cancel = () => {};
  let beats: NodeJS.Timeout | undefined;
  const req = A.getApproval(db, id);
  // A no-op unless an OTLP tracer is installed in this process.
  const span = tracer().start('approval_wait', {
    'agor.approval.id': id,
    'agor.agent': req?.agent,
    'agor.run_id': req?.run_id ?? undefined,
    'agor.approval.action': req?.action,
  });
  let outcome: string = 'error';
  try {
    const row = await new Promise<A.ApprovalRow>((resolve, reject) => {
      const check = () => {
        try {
          const r = A.getApproval(db, id);
          if (!r) return reject(notFound(`approval request ${id} is gone`));
          if (r.status === 'pending' && r.expires_at !== null && r.expires_at <= Date.now()) expireApprovals(db);
          const now = A.getApproval(db, id)!;
          if (now.status !== 'pending') resolve(now);
        } catch (e) {
          reject(e);
        }
      };
      const first = A.getApproval(db, id);
      stop = watchDb(db.name, check);
      if (first?.expires_at) cancel = longTimeout(check, Math.max(0, first.expires_at - Date.now()) + 5);
      beats = setInterval(() => {
        try {
          if (first) beat(db, first.agent, first.run_id);
        } catch {
          // A busy database: the next beat tries again, well inside any stall_after.
        }
      }, o.beatMs ?? APPROVAL_BEAT_MS);
      o.signal?.addEventListener('abort', () => reject(o.signal!.reason), { once: true });
      check();
    });
    outcome = row.status;
    return row;
  } catch (e) {
    if (o.signal?.aborted) outcome = 'cancelled';
    throw e;
  } finally {
    span.end({ attrs: { 'agor.approval.outcome': outcome }, ...(outcome === 'error' ? { error: 'the wait failed' } : {}) });
    cancel();
    stop();
    clearInterval(beats);
  }
}

/** What a request needs from the agent's agor.yaml: its approvals policy and its stall_after. */
export interface AgentApprovalSettings {
  policy: ApprovalPolicy;
  stallAfterMs: number | null;
}

/**
 * The approvals settings of `agent`: from -f, else $AGOR_CONFIG, else the agor.yaml of
 * the supervisor holding this database (its lock row), else ./agor.yaml; none of them: no
 * policy. An agent the file does not declare gets the group's policy.
 */
export function settingsFor(db: Db, agent: string, file?: string, env: NodeJS.ProcessEnv = process.env): AgentApprovalSettings {
  const path = file ?? (env.AGOR_CONFIG || getSupervisor(db)?.config || (existsSync(CONFIG_FILE) ? CONFIG_FILE : null));
  if (!path) return { policy: NO_POLICY, stallAfterMs: null };
  const cfg = loadConfig(path);
  const a = cfg.agents.find((x) => x.id === agent);
  return { policy: a?.approvals ?? cfg.approvals, stallAfterMs: a?.stallAfterMs ?? null };
}

/** How often a waiting request beats: every 30 s, or a quarter of a shorter stall_after (idle shows at half). */
export const beatInterval = (stallAfterMs: number | null): number =>
  Math.max(250, Math.min(APPROVAL_BEAT_MS, stallAfterMs === null ? APPROVAL_BEAT_MS : stallAfterMs / 4));

/** True when `action` matches one of `patterns`. */
export const matchesAny = (patterns: string[] | null, action: string): boolean => (patterns ?? []).some((p) => actionMatches(p, action));
