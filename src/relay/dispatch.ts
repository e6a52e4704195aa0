import { hostname } from 'node:os';
import { Exit, UserError, exitCodeName, usage } from '../core/errors.js';
import { ADMIN } from '../core/roles.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';
import { list as listDeadLetters } from '../msg/deadletters.js';
import { feed, send } from '../msg/messages.js';
import { decideApproval, listApprovals } from '../supervisor/approvals.js';
import { runHistory } from '../supervisor/history.js';
import { latestLogTail } from '../supervisor/logview.js';
import { requireManaged } from '../supervisor/managed.js';
import type { AgentView, ErrorBody } from '../supervisor/protocol.js';
import { type LogTail, auditEntries, fleetOf } from '../supervisor/reads.js';
import { offlineList } from '../supervisor/status.js';
import { queueWake } from '../supervisor/wake.js';
import { board, comment, setStatus, show, taskHistory } from '../task/board.js';
import { type LogSession, type Scrubbers, logsOp } from './logs.js';
import { ADMIN_OPS, type AdminOp, RELAY_PROTOCOL, READ_OPS, type RelayHello, type RelayOp, type Role } from './protocol.js';
import type { Upstream } from './upstream.js';

/** An error with a wire code of its own (bad_request, too_large, not_permitted, dead_letter). */
export class OpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exit: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The `error` of a response for what an op threw; a bug says only that it is one (its stack goes to the log). */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof OpError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), exit: err.exit };
  if (err instanceof UserError) return { code: exitCodeName(err.code), message: err.message, ...(err.hint ? { hint: err.hint } : {}), exit: err.code };
  return { code: 'failure', message: `the relay failed: ${(err as Error)?.message ?? String(err)}`, exit: Exit.FAILURE };
}

export const badRequest = (message: string, hint?: string) => new OpError('bad_request', message, Exit.USAGE, hint);

/** What every op of one relay shares: its database connections, the supervisor, the scrubbers. */
export interface RelayContext {
  dbPath: string;
  ro: Db;
  /** The writable connection, opened on first use (actions and their audit). */
  writable(): Db;
  upstream: Upstream;
  scrubbers: Scrubbers;
}

/** One client connection as the ops see it. */
export interface Session extends LogSession {
  token: string;
  role: Role;
  subscribed: boolean;
}

/**
 * A request's arguments. `id` is the request's own (echoed in its response), so a task is
 * named by `task` (task, task_history, move_task, comment).
 */
type Args = Record<string, unknown>;

const str = (a: Args, key: string, required = true): string | undefined => {
  const v = a[key];
  if (v === undefined || v === null) {
    if (required) throw usage(`give "${key}": a string`);
    return undefined;
  }
  if (typeof v !== 'string' || (required && !v)) throw usage(`"${key}" must be a non-empty string`);
  return v;
};

/** A count argument: a whole number from 1 to `max`, else `dflt`, as the control socket reads `lines`. */
const count = (a: Args, key: string, dflt: number, max: number): number => {
  const v = a[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? Math.min(v, max) : dflt;
};

/** An approval request's id: a whole number above 0. */
const requestId = (a: Args): number => {
  const v = a.request;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw usage('give the approval request\'s id in "request": a whole number');
  return v;
};

const agentsOf = (a: Args): string[] => {
  const v = a.agents;
  if (!Array.isArray(v) || !v.length || !v.every((x) => typeof x === 'string' && x)) throw usage('give agent ids in "agents": ["id", ...]');
  return v as string[];
};

/** A UserError for "not there" turns into null, as the dashboard's reads expect. */
function orNull<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError) return null;
    throw err;
  }
}

/** The agents as `agor ps --json` shows them: live from the supervisor, else as last recorded. */
const listAgents = (ctx: RelayContext): Promise<AgentView[]> | AgentView[] => (ctx.upstream.live ? ctx.upstream.request<AgentView[]>('list') : offlineList(ctx.ro));

async function supervised<T>(ctx: RelayContext, op: 'start' | 'stop' | 'restart', agents: string[]): Promise<T> {
  if (ctx.upstream.live) return ctx.upstream.request<T>(op, { agents });
  // As the CLI verb: an unknown agent is not_found before "no supervisor".
  requireManaged(ctx.ro, agents);
  throw new UserError(`no supervisor is running for ${ctx.dbPath}`, 'start one with: agor up -d');
}

/** Ops that only read, for any token. */
const READS: Record<(typeof READ_OPS)[number], (ctx: RelayContext, s: Session, a: Args) => unknown> = {
  hello: (ctx, s): RelayHello => {
    const st = ctx.upstream.status();
    return {
      protocol: 1,
      relay: RELAY_PROTOCOL,
      host: hostname(),
      db: ctx.dbPath,
      group: st.group,
      token: s.token,
      role: s.role,
      supervisor: st.state === 'attached' && st.pid !== null ? { pid: st.pid, group: st.group } : null,
    };
  },
  list: (ctx) => listAgents(ctx),
  logs: (ctx, s, a) => logsOp(ctx, s, a),
  subscribe: (_ctx, s) => ((s.subscribed = true), { subscribed: true }),
  unsubscribe: (_ctx, s) => {
    s.subscribed = false;
    s.endFollows();
    return { subscribed: false };
  },
  status: (ctx) => ctx.upstream.status(),
  fleet: async (ctx) => fleetOf(ctx.ro, await listAgents(ctx)),
  board: (ctx) => board(ctx.ro, ADMIN),
  task: (ctx, _s, a) => orNull(() => show(ctx.ro, ADMIN, str(a, 'task')!)),
  task_history: (ctx, _s, a) => orNull(() => taskHistory(ctx.ro, ADMIN, str(a, 'task')!).changes),
  feed: (ctx, _s, a) => feed(ctx.ro, ADMIN, count(a, 'limit', 50, 1000)),
  dead_letters: (ctx, _s, a) => listDeadLetters(ctx.ro, ADMIN, count(a, 'limit', 50, 1000)),
  runs: (ctx, _s, a) => runHistory(ctx.ro, { agent: str(a, 'agent', false), limit: count(a, 'limit', 20, 1000) }),
  audit: (ctx, _s, a) => auditEntries(ctx.ro, { agent: str(a, 'agent', false), type: str(a, 'type', false), limit: count(a, 'limit', 50, 1000) }),
  log_tail: async (ctx, _s, a) => {
    const agent = str(a, 'agent')!;
    const scrubFor = await ctx.scrubbers.forAgent(ctx.ro, agent);
    const tail: LogTail = latestLogTail(ctx.ro, agent, count(a, 'lines', 50, 10_000), scrubFor);
    return ctx.scrubbers.note ? { ...tail, note: ctx.scrubbers.note } : tail;
  },
  approvals: (ctx, _s, a) => listApprovals(ctx.ro, { all: a.all === true, limit: count(a, 'limit', 1000, 1000), readOnly: true }),
};

/** Actions: an admin token only, each through the domain function of its CLI verb. */
const ACTIONS: Record<AdminOp, (ctx: RelayContext, s: Session, a: Args) => unknown> = {
  start: (ctx, _s, a) => supervised(ctx, 'start', agentsOf(a)),
  stop: (ctx, _s, a) => supervised(ctx, 'stop', agentsOf(a)),
  restart: (ctx, _s, a) => supervised(ctx, 'restart', agentsOf(a)),
  wake: (ctx, _s, a) => {
    const agent = str(a, 'agent')!;
    const reason = str(a, 'reason', false) ?? null;
    const prompt = str(a, 'prompt', false) ?? null;
    const t = a.timeout_ms;
    if (t !== undefined && t !== null && typeof t !== 'number') throw usage('"timeout_ms" must be a number of milliseconds');
    const timeoutMs = typeof t === 'number' ? t : null;
    if (ctx.upstream.live) return ctx.upstream.request('wake', { agent, reason, prompt, timeout_ms: timeoutMs });
    // Without a supervisor the wake waits in the database, as `agor wake` leaves it.
    return queueWake(ctx.writable(), { agent, reason: 'manual', detail: reason, prompt, timeoutMs, by: ADMIN });
  },
  reload: (ctx, _s, a) => {
    if (a.dry_run !== undefined && typeof a.dry_run !== 'boolean') throw usage('"dry_run" must be true or false');
    if (!ctx.upstream.live) throw new UserError(`no supervisor is running for ${ctx.dbPath}`, 'start one with: agor up -d', Exit.NOT_FOUND);
    return ctx.upstream.request('reload', { dry_run: a.dry_run === true });
  },
  shutdown: (ctx) => {
    if (!ctx.upstream.live) throw new UserError(`no supervisor is running for ${ctx.dbPath}`);
    return ctx.upstream.request('shutdown');
  },
  send: (ctx, _s, a) => {
    const r = send(ctx.writable(), ADMIN, str(a, 'to')!, str(a, 'text')!);
    if (r.stored) return r.message;
    const d = r.dead_letter;
    throw new OpError(
      'dead_letter',
      `not delivered: ${d.reason}`,
      Exit.DEAD_LETTER,
      `kept as dead letter #${d.id}; requeue it later with: btmsg dlq requeue ${d.id}`,
    );
  },
  move_task: (ctx, _s, a) => setStatus(ctx.writable(), ADMIN, str(a, 'task')!, str(a, 'state')!, { comment: str(a, 'comment', false) }),
  comment: (ctx, _s, a) => comment(ctx.writable(), ADMIN, str(a, 'task')!, str(a, 'text')!),
  // Decided by the token's name: the audit says which operator's token approved.
  approve: (ctx, s, a) => decideApproval(ctx.writable(), { id: requestId(a), decision: 'approved', by: s.token, note: str(a, 'note', false) ?? null }),
  deny: (ctx, s, a) => decideApproval(ctx.writable(), { id: requestId(a), decision: 'denied', by: s.token, note: str(a, 'note', false) ?? null }),
};

/** What an action's audit entry says of its arguments: which, not the text. */
function summary(op: AdminOp, a: Args): Args {
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => a[k] !== undefined).map((k) => [k, a[k]]));
  switch (op) {
    case 'start':
    case 'stop':
    case 'restart':
      return pick('agents');
    case 'wake':
      return pick('agent', 'reason');
    case 'send':
      return { ...pick('to'), bytes: typeof a.text === 'string' ? Buffer.byteLength(a.text) : 0 };
    case 'move_task':
      return pick('task', 'state');
    case 'comment':
      return pick('task');
    case 'approve':
    case 'deny':
      return pick('request');
    case 'reload':
      return pick('dry_run');
    case 'shutdown':
      return {};
  }
}

/** Appends to the served database's audit log; a failure to do so is the relay's log's business, not the client's. */
export function auditRelay(ctx: RelayContext, type: 'relay_action' | 'relay_refused', detail: Args): void {
  const db = ctx.writable();
  writeTx(db, () => audit(db, ADMIN, type, detail));
}

export const isReadOp = (op: RelayOp): boolean => (READ_OPS as readonly string[]).includes(op);

/**
 * Does one op for a session and returns its result; throws what becomes the error response.
 * Actions are refused for a read token (not_permitted, nothing done, audited) and audited
 * with the token's name once done or failed.
 */
export async function dispatch(ctx: RelayContext, s: Session, op: RelayOp, a: Args): Promise<unknown> {
  if (isReadOp(op)) return await READS[op as (typeof READ_OPS)[number]](ctx, s, a);
  const act = op as AdminOp;
  if (!(ADMIN_OPS as readonly string[]).includes(act)) throw badRequest(`unknown op "${op}"`);
  if (s.role !== 'admin') {
    auditRelay(ctx, 'relay_refused', { token: s.token, op: act });
    throw new OpError(
      'not_permitted',
      `the token '${s.token}' may only read: ${act} needs an admin token`,
      Exit.NOT_PERMITTED,
      'an admin token can: agor-relay token add NAME --role admin makes one on the relay host',
    );
  }
  const detail = { token: s.token, op: act, ...summary(act, a) };
  try {
    const result = await ACTIONS[act](ctx, s, a);
    auditRelay(ctx, 'relay_action', detail);
    return result;
  } catch (err) {
    auditRelay(ctx, 'relay_action', { ...detail, error: errorBody(err).code });
    throw err;
  }
}
