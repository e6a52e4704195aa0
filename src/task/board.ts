import { conflict, notFound, usage } from '../core/errors.js';
import { ADMIN } from '../core/roles.js';
import { type AgentRow, getAgent, listAgents } from '../db/agents.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';
import * as T from '../db/tasks.js';
import type { TaskRow } from '../db/tasks.js';
import { requireAgent, requireOther } from '../msg/agents.js';
import { postSystem } from '../msg/channels.js';
import { newId, resolvePrefix } from '../core/ids.js';
import { notifyAgent, toFtsQuery } from '../msg/messages.js';
import { type Action, can, isBoardAdmin, requirePermission, seesOnlyOwn } from './permissions.js';
import { auditFlags, textFlags } from '../msg/flags.js';
import { type Change, type Comment, PRIORITIES, STATES, type Task, taskFlags, toChange, toComment, toTask } from './views.js';

const MAX_TITLE = 500;
const MAX_DESCRIPTION_BYTES = 64 * 1024;
/** Lease granted by `claim` when none is asked for. */
const DEFAULT_LEASE_SECONDS = 30 * 60;
const REVIEW_QUEUE = 'review-queue';
const REVIEW_LOG = 'review-log';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const short = (id: string) => id.slice(0, 8);

function validateTitle(title: string): string {
  const t = title.trim();
  if (t === '') throw usage('task title is empty');
  if ([...t].length > MAX_TITLE) throw usage(`task title is ${[...t].length} characters, over the ${MAX_TITLE} limit`, 'put the detail in --desc');
  return t;
}

function validateDescription(desc: string, what = 'description'): string {
  const n = Buffer.byteLength(desc, 'utf8');
  if (n > MAX_DESCRIPTION_BYTES) throw usage(`${what} is ${n} bytes, over the 64 KiB limit`, 'link to a file instead');
  if (desc.includes('\0')) throw usage(`${what} contains a NUL byte`);
  return desc;
}

function validatePriority(p: string): string {
  if (!(PRIORITIES as readonly string[]).includes(p)) throw usage(`unknown priority '${p}'`, `priorities: ${PRIORITIES.join(', ')}`);
  return p;
}

function validateState(s: string): string {
  if (!(STATES as readonly string[]).includes(s)) throw usage(`unknown state '${s}'`, `states: ${STATES.join(', ')}`);
  return s;
}

function resolveTask(db: Db, idOrPrefix: string): TaskRow {
  const id = resolvePrefix(idOrPrefix, 'task', (p) => T.taskIdsByPrefix(db, p));
  return T.getTask(db, id)!;
}

/** A task the actor may see; others are reported as not permitted. */
function visibleTask(db: Db, actor: AgentRow, idOrPrefix: string, action: Action = 'view'): TaskRow {
  const t = resolveTask(db, idOrPrefix);
  requirePermission(actor, action, t);
  return t;
}

const withLease = (db: Db, t: TaskRow): Task => toTask(t, T.activeLease(db, t.id) ?? null);

function history(db: Db, task: string, agent: string, field: string, from: unknown, to: unknown): void {
  T.insertHistory(db, {
    task_id: task,
    agent_id: agent,
    field,
    old_value: from === null || from === undefined ? null : String(from),
    new_value: to === null || to === undefined ? null : String(to),
  });
}

/**
 * Applies `patch` as a compare-and-swap on the task's version, records each changed
 * field in the task's history, and returns the new row. A stale `expectVersion` is a
 * conflict, never a silent overwrite.
 */
function update(db: Db, actor: AgentRow, t: TaskRow, patch: T.TaskPatch, expectVersion?: number): TaskRow {
  if (expectVersion !== undefined && expectVersion !== t.version) {
    throw conflict(
      `task ${short(t.id)} is at version ${t.version}, not ${expectVersion}: someone changed it`,
      `re-read it (bttask show ${short(t.id)}) and try again`,
    );
  }
  const changed = Object.entries(patch).filter(([k, v]) => t[k as keyof TaskRow] !== v);
  if (!changed.length) return t;
  if (!T.updateTask(db, t.id, t.version, Object.fromEntries(changed))) {
    throw conflict(`task ${short(t.id)} changed while it was being updated`, `re-read it (bttask show ${short(t.id)}) and try again`);
  }
  for (const [k, v] of changed) history(db, t.id, actor.id, k, t[k as keyof TaskRow], v);
  audit(db, actor.id, 'task_updated', { id: t.id, ...Object.fromEntries(changed) });
  return T.getTask(db, t.id)!;
}

/** Refuses a write from an agent whose lease on the task lapsed and was taken back. */
function refuseLapsedLease(db: Db, actor: AgentRow, t: TaskRow): void {
  const last = T.lastLeaseOf(db, t.id, actor.id);
  if (!last || last.state !== 'expired' || !last.ended_at) return;
  if (T.activeLease(db, t.id)?.agent_id === actor.id) return;
  // Anything done to the task since (a new assignment, say) makes the old lease moot.
  if (t.updated_at > last.ended_at) return;
  throw conflict(
    `your lease on task ${short(t.id)} lapsed at ${new Date(last.expires_at * 1000).toISOString()}; the task went back to ${t.status}`,
    `claim it again: bttask claim ${short(t.id)}`,
  );
}

function endActiveLease(db: Db, actor: AgentRow, t: TaskRow, state: 'released' | 'finished'): void {
  const l = T.activeLease(db, t.id);
  if (!l) return;
  T.endLease(db, l.id, state);
  history(db, t.id, actor.id, 'lease', l.agent_id, null);
}

/**
 * Returns tasks whose lease lapsed to `todo` (or their earlier assignee), with a comment
 * saying why. Runs at the start of every bttask call that finds one, and in the
 * supervisor. Returns the ids it returned.
 */
export function reapExpiredLeases(db: Db, now = nowSeconds()): string[] {
  if (!T.hasExpiredLeases(db, now)) return [];
  return writeTx(db, () => {
    const out: string[] = [];
    for (const l of T.expiredLeases(db, now)) {
      out.push(
        returnTask(db, l, `lease of ${l.agent_id}${l.run_id ? ` (run ${l.run_id})` : ''} lapsed at ${new Date(l.expires_at * 1000).toISOString()}`, 'expired'),
      );
    }
    return out;
  });
}

/**
 * Ends every active lease of a run that ended without finishing its tasks (the
 * supervisor calls this when an agent's run exits). Call inside or outside a transaction.
 */
export function returnRunLeases(db: Db, runId: string, why: string): string[] {
  return writeTx(db, () => T.activeLeasesOfRun(db, runId).map((l) => returnTask(db, l, `run ${runId} of ${l.agent_id} ended (${why})`, 'expired')));
}

function returnTask(db: Db, l: T.LeaseRow, why: string, state: 'expired' | 'released'): string {
  const t = T.getTask(db, l.task_id);
  // Work handed in (review) or finished is not taken back, and its holder keeps its rights.
  T.endLease(db, l.id, t && (t.status === 'done' || t.status === 'review') ? 'finished' : state);
  if (!t) return l.task_id;
  const system = getAgent(db, ADMIN)!;
  if (t.status !== 'done' && t.status !== 'review') {
    const patch: T.TaskPatch = { status: 'todo', assigned_to: l.assigned_before };
    const changed = Object.entries(patch).filter(([k, v]) => t[k as keyof TaskRow] !== v);
    if (changed.length) T.updateTask(db, t.id, t.version, Object.fromEntries(changed));
    for (const [k, v] of changed) history(db, t.id, system.id, k, t[k as keyof TaskRow], v);
    T.insertComment(db, { id: newId(), task_id: t.id, agent_id: system.id, content: `${why} without the task being finished; returned to todo.` });
  }
  history(db, t.id, system.id, 'lease', l.agent_id, null);
  audit(db, system.id, 'task_lease_expired', { id: t.id, agent: l.agent_id, run_id: l.run_id });
  return t.id;
}

export interface AddOptions {
  title: string;
  description?: string;
  priority?: string;
  assign?: string;
  parent?: string;
  /** Moving the task to done merges its assignee's branch (an agent with `worktree:`). */
  mergeOnDone?: boolean;
}

export function add(db: Db, meId: string | undefined, o: AddOptions): Task {
  const title = validateTitle(o.title);
  const description = validateDescription(o.description ?? '');
  const priority = validatePriority(o.priority ?? 'medium');
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    requirePermission(me, 'create');
    if (o.assign !== undefined) {
      requirePermission(me, 'assign');
      requireOther(db, o.assign, 'assignee');
    }
    const parent = o.parent !== undefined ? resolveTask(db, o.parent).id : null;
    const id = newId();
    T.insertTask(db, {
      id,
      title,
      description,
      priority,
      assigned_to: o.assign ?? null,
      created_by: me.id,
      group_id: me.group_id,
      parent_task_id: parent,
      merge_on_done: o.mergeOnDone ? 1 : 0,
    });
    history(db, id, me.id, 'created', null, title);
    audit(db, me.id, 'task_created', { id, title, priority, ...(o.assign ? { assigned_to: o.assign } : {}) });
    const findings = taskFlags(title, description);
    auditFlags(db, me.id, { task: id }, findings);
    if (o.assign) notifyAgent(db, me, o.assign, `Task assigned to you: ${short(id)} "${title}" (${priority}). See: bttask show ${short(id)}`, 'task');
    return withLease(db, T.getTask(db, id)!);
  });
}

export function assign(db: Db, meId: string | undefined, idOrPrefix: string, agentId: string, expectVersion?: number): Task {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = resolveTask(db, idOrPrefix);
    requirePermission(me, 'assign', t);
    const a = requireOther(db, agentId, 'assignee');
    const lease = T.activeLease(db, t.id);
    if (lease && lease.agent_id !== a.id) endActiveLease(db, me, t, 'released');
    const u = update(db, me, t, { assigned_to: a.id }, expectVersion);
    if (u !== t) notifyAgent(db, me, a.id, `Task assigned to you: ${short(t.id)} "${t.title}" (${t.priority}). See: bttask show ${short(t.id)}`, 'task');
    return withLease(db, u);
  });
}

function reviewers(db: Db): string[] {
  const all = listAgents(db);
  const r = all.filter((a) => a.role === 'reviewer').map((a) => a.id);
  return r.length ? r : all.filter((a) => a.role === 'manager').map((a) => a.id);
}

export interface StatusOptions {
  comment?: string;
  expectVersion?: number;
}

/**
 * Moves a task to `state`. Entering review posts to #review-queue and messages the
 * reviewers; leaving review is a review decision (reviewer, manager or operator), logged
 * to #review-log, and sending it back needs a comment.
 */
export function setStatus(db: Db, meId: string | undefined, idOrPrefix: string, state: string, o: StatusOptions = {}): Task {
  validateState(state);
  if (o.comment !== undefined && o.comment.trim() === '') throw usage('comment is empty');
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = resolveTask(db, idOrPrefix);
    refuseLapsedLease(db, me, t);
    const decision = t.status === 'review' && state !== 'review';
    requirePermission(me, decision ? 'review' : 'update', t);
    if (decision && state !== 'done' && !o.comment) {
      throw usage(`sending task ${short(t.id)} back from review needs a comment`, `say what to change: bttask status ${short(t.id)} ${state} --comment "..."`);
    }
    // Handing work in (review), finishing it or marking it blocked (waiting on something
    // outside the board) ends the lease, so a lapse never quietly un-blocks it; giving it
    // up releases it.
    if (state === 'done' || state === 'review' || state === 'blocked') endActiveLease(db, me, t, 'finished');
    else if (state === 'todo') endActiveLease(db, me, t, 'released');
    const u = update(db, me, t, { status: state }, o.expectVersion);
    if (o.comment) addComment(db, me, t, o.comment);
    if (u !== t && state === 'review') {
      const who = reviewers(db);
      postSystem(
        db,
        me,
        REVIEW_QUEUE,
        `review requested: ${short(t.id)} "${t.title}" by ${me.id}${t.assigned_to && t.assigned_to !== me.id ? ` (assignee ${t.assigned_to})` : ''}`,
        who,
      );
      for (const r of who)
        notifyAgent(
          db,
          me,
          r,
          `Review requested: ${short(t.id)} "${t.title}". Decide with: bttask status ${short(t.id)} done, or bttask status ${short(t.id)} progress --comment "..."`,
          'review',
        );
    }
    if (u !== t && decision) {
      const verdict = state === 'done' ? 'approved' : `sent back to ${state}`;
      postSystem(db, me, REVIEW_LOG, `${verdict}: ${short(t.id)} "${t.title}" by ${me.id}${o.comment ? `: ${o.comment}` : ''}`);
      audit(db, me.id, 'task_reviewed', { id: t.id, verdict: state });
      if (t.assigned_to) notifyAgent(db, me, t.assigned_to, `Review of ${short(t.id)} "${t.title}": ${verdict}${o.comment ? `: ${o.comment}` : ''}`);
    }
    return withLease(db, u);
  });
}

function addComment(db: Db, me: AgentRow, t: TaskRow, text: string): T.CommentRow {
  const c = T.insertComment(db, { id: newId(), task_id: t.id, agent_id: me.id, content: text });
  history(db, t.id, me.id, 'comment', null, text.length > 80 ? text.slice(0, 79) + '…' : text);
  audit(db, me.id, 'task_commented', { id: t.id, comment: c.id });
  auditFlags(db, me.id, { task: t.id, comment: c.id }, textFlags(text));
  return c;
}

export function comment(db: Db, meId: string | undefined, idOrPrefix: string, text: string): Comment {
  if (text.trim() === '') throw usage('comment is empty');
  validateDescription(text, 'comment');
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = visibleTask(db, me, idOrPrefix, 'comment');
    refuseLapsedLease(db, me, t);
    return toComment(addComment(db, me, t, text));
  });
}

export interface TaskDetail {
  task: Task;
  depends_on: { id: string; title: string; status: string }[];
  dependents: { id: string; title: string; status: string }[];
  children: { id: string; title: string; status: string }[];
  comments: Comment[];
  ready: boolean;
}

export function show(db: Db, meId: string | undefined, idOrPrefix: string): TaskDetail {
  const me = requireAgent(db, meId);
  const t = visibleTask(db, me, idOrPrefix);
  return {
    task: withLease(db, t),
    depends_on: T.depsOf(db, t.id),
    dependents: T.dependentsOf(db, t.id),
    children: T.childrenOf(db, t.id).map((c) => ({ id: c.id, title: c.title, status: c.status })),
    comments: T.commentsOf(db, t.id).map(toComment),
    ready: T.isReady(db, t.id),
  };
}

export interface ListOptions {
  all?: boolean;
  status?: string;
  mine?: boolean;
  limit: number;
}

export function list(db: Db, meId: string | undefined, o: ListOptions): Task[] {
  if (o.status !== undefined) validateState(o.status);
  const me = requireAgent(db, meId);
  const assignee = o.mine || seesOnlyOwn(me) ? me.id : undefined;
  return T.listTasks(db, { all: o.all, status: o.status, assignee, limit: o.limit }).map((t) => withLease(db, t));
}

export type Board = Record<(typeof STATES)[number], Task[]>;

/** Every state's column; done shows the most recent `doneLimit` only. */
export function board(db: Db, meId: string | undefined, perColumn = 200): Board {
  const me = requireAgent(db, meId);
  const assignee = seesOnlyOwn(me) ? me.id : undefined;
  const out = {} as Board;
  // One read of the active leases for the whole board, not one per task.
  const leases = new Map(T.activeLeases(db).map((l) => [l.task_id, l]));
  for (const s of STATES) out[s] = T.listTasks(db, { status: s, assignee, limit: perColumn }).map((t) => toTask(t, leases.get(t.id) ?? null));
  return out;
}

export function remove(db: Db, meId: string | undefined, idOrPrefix: string, expectVersion?: number): Task {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = resolveTask(db, idOrPrefix);
    requirePermission(me, 'delete', t);
    if (expectVersion !== undefined && expectVersion !== t.version) {
      throw conflict(`task ${short(t.id)} is at version ${t.version}, not ${expectVersion}: someone changed it`, `re-read it (bttask show ${short(t.id)})`);
    }
    T.deleteTaskRows(db, t.id);
    audit(db, me.id, 'task_deleted', { id: t.id, title: t.title });
    return toTask(t);
  });
}

/** Puts the given tasks first within their priority, in the order given. */
export function reorder(db: Db, meId: string | undefined, ids: string[]): Task[] {
  if (!ids.length) throw usage('give the task ids in the order you want them');
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    requirePermission(me, 'reorder');
    const tasks = ids.map((i) => resolveTask(db, i));
    if (new Set(tasks.map((t) => t.id)).size !== tasks.length) throw usage('a task is listed twice');
    const base = Math.min(0, ...T.listTasks(db, { all: true, limit: 1_000_000 }).map((t) => t.sort_order)) - tasks.length - 1;
    return tasks.map((t, i) => withLease(db, update(db, me, t, { sort_order: base + i })));
  });
}

export function reviewCount(db: Db, meId: string | undefined): number {
  requireAgent(db, meId);
  return T.reviewCount(db);
}

export function ready(db: Db, meId: string | undefined, forAgent: string | undefined, limit: number): Task[] {
  const me = requireAgent(db, meId);
  let who: string | null = forAgent !== undefined ? requireOther(db, forAgent).id : null;
  if (seesOnlyOwn(me)) who = me.id;
  return T.readyTasks(db, who, limit).map((t) => toTask(t));
}

export interface ClaimOptions {
  id?: string;
  leaseSeconds?: number;
  runId?: string | null;
  /**
   * Test only (bttask reads it from AGOR_TEST_UNSAFE_CLAIM): skips the compare-and-set, so
   * racing claimers can win the same task. It exists to prove `agor selftest` catches that.
   */
  unsafeSkipCompareAndSet?: boolean;
}

/**
 * Takes the given task, or the first ready one, in one IMMEDIATE transaction: exactly
 * one of any number of racing claimers gets each task. Grants a lease tied to the
 * claimer's run. Throws not-found ("nothing ready") when there is nothing to take.
 */
const nothingReady = () => notFound('nothing ready to claim', 'bttask list shows the board');

export function claim(db: Db, meId: string | undefined, o: ClaimOptions): Task {
  const seconds = o.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  if (!(seconds >= 1 && seconds <= 7 * 86400)) throw usage('a lease runs from 1 second to 7 days');
  if (o.unsafeSkipCompareAndSet) return unsafeClaim(db, meId, o, seconds);
  // An empty queue is answered without the write lock: claimers polling an empty board
  // must not queue behind the writers that fill it.
  if (o.id === undefined) {
    const me = requireAgent(db, meId);
    requirePermission(me, 'claim');
    if (!T.readyTasks(db, me.id, 1).length) throw nothingReady();
  }
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    requirePermission(me, 'claim');
    let t: TaskRow | undefined;
    if (o.id !== undefined) {
      t = resolveTask(db, o.id);
      // Before the permission check: the loser of a race must learn it lost (a conflict),
      // not that the task, now assigned to the winner, is not theirs.
      const lease = T.activeLease(db, t.id);
      if (lease) throw conflict(`task ${short(t.id)} is already claimed by ${lease.agent_id}`, 'bttask ready lists what is free');
      requirePermission(me, 'claim', t);
      if (!T.isReady(db, t.id)) {
        const why = t.status !== 'todo' ? `it is ${t.status}` : 'it waits on unfinished dependencies';
        throw conflict(`task ${short(t.id)} is not ready: ${why}`, 'bttask ready lists what is free');
      }
    } else {
      t = T.readyTasks(db, me.id, 1)[0];
      if (!t) throw nothingReady();
    }
    const now = nowSeconds();
    const lease = T.insertLease(db, {
      task_id: t.id,
      agent_id: me.id,
      run_id: o.runId ?? null,
      duration: seconds,
      expires_at: now + seconds,
      assigned_before: t.assigned_to,
    });
    const u = update(db, me, t, { status: 'progress', assigned_to: me.id });
    history(db, t.id, me.id, 'lease', null, me.id);
    audit(db, me.id, 'task_claimed', { id: t.id, run_id: o.runId ?? null, lease_seconds: seconds });
    return toTask(u, lease);
  });
}

/**
 * The deliberately broken claim behind `unsafeSkipCompareAndSet`: the task is chosen
 * before the write lock is taken and whoever holds it is overridden, a lost update.
 */
function unsafeClaim(db: Db, meId: string | undefined, o: ClaimOptions, seconds: number): Task {
  const me = requireAgent(db, meId);
  const chosen = o.id !== undefined ? resolveTask(db, o.id) : T.readyTasks(db, me.id, 1)[0];
  if (!chosen) throw nothingReady();
  return writeTx(db, () => {
    const t = T.getTask(db, chosen.id)!;
    const held = T.activeLease(db, t.id);
    if (held) T.endLease(db, held.id, 'released');
    const lease = T.insertLease(db, {
      task_id: t.id,
      agent_id: me.id,
      run_id: o.runId ?? null,
      duration: seconds,
      expires_at: nowSeconds() + seconds,
      assigned_before: t.assigned_to,
    });
    const u = update(db, me, t, { status: 'progress', assigned_to: me.id });
    audit(db, me.id, 'task_claimed', { id: t.id, run_id: o.runId ?? null, lease_seconds: seconds, unsafe: true });
    return toTask(u, lease);
  });
}

function ownLease(db: Db, me: AgentRow, t: TaskRow): T.LeaseRow {
  refuseLapsedLease(db, me, t);
  const l = T.activeLease(db, t.id);
  if (!l) throw conflict(`task ${short(t.id)} has no active lease`, `claim it first: bttask claim ${short(t.id)}`);
  if (l.agent_id !== me.id && !isBoardAdmin(me)) throw conflict(`task ${short(t.id)} is claimed by ${l.agent_id}, not you`);
  return l;
}

/** Gives a claimed task back: to todo, and to whoever it was assigned to before. */
export function release(db: Db, meId: string | undefined, idOrPrefix: string): Task {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = resolveTask(db, idOrPrefix);
    const l = ownLease(db, me, t);
    T.endLease(db, l.id, 'released');
    history(db, t.id, me.id, 'lease', l.agent_id, null);
    const u = t.status === 'done' ? t : update(db, me, t, { status: 'todo', assigned_to: l.assigned_before });
    audit(db, me.id, 'task_released', { id: t.id });
    return withLease(db, u);
  });
}

export function renew(db: Db, meId: string | undefined, idOrPrefix: string, leaseSeconds?: number): Task {
  if (leaseSeconds !== undefined && !(leaseSeconds >= 1 && leaseSeconds <= 7 * 86400)) throw usage('a lease runs from 1 second to 7 days');
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = resolveTask(db, idOrPrefix);
    const l = ownLease(db, me, t);
    // A new length also becomes the one heartbeats renew to.
    T.extendLease(db, l.id, nowSeconds() + (leaseSeconds ?? l.duration), leaseSeconds);
    audit(db, me.id, 'task_lease_renewed', { id: t.id });
    return withLease(db, t);
  });
}

export function depAdd(db: Db, meId: string | undefined, taskRef: string, onRef: string): TaskDetail {
  writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = resolveTask(db, taskRef);
    requirePermission(me, 'depend', t);
    const on = resolveTask(db, onRef);
    if (t.id === on.id) throw usage('a task cannot depend on itself');
    if (T.dependsTransitively(db, on.id, t.id)) {
      throw usage(`that would make a cycle: ${short(on.id)} already depends on ${short(t.id)}`, `bttask show ${short(on.id)} lists its dependencies`);
    }
    if (T.addDep(db, t.id, on.id, me.id)) {
      history(db, t.id, me.id, 'depends_on', null, on.id);
      audit(db, me.id, 'task_dependency_added', { id: t.id, depends_on: on.id });
    }
  });
  return show(db, meId, taskRef);
}

export function depRm(db: Db, meId: string | undefined, taskRef: string, onRef: string): TaskDetail {
  writeTx(db, () => {
    const me = requireAgent(db, meId);
    const t = resolveTask(db, taskRef);
    requirePermission(me, 'depend', t);
    const on = resolveTask(db, onRef);
    if (!T.removeDep(db, t.id, on.id)) throw notFound(`task ${short(t.id)} does not depend on ${short(on.id)}`);
    history(db, t.id, me.id, 'depends_on', on.id, null);
    audit(db, me.id, 'task_dependency_removed', { id: t.id, depends_on: on.id });
  });
  return show(db, meId, taskRef);
}

export type TaskSearchResult = T.TaskSearchHit;

export function search(db: Db, meId: string | undefined, query: string, limit: number): TaskSearchResult[] {
  const me = requireAgent(db, meId);
  if (query.trim() === '') throw usage('search query is empty');
  return T.searchTasks(db, toFtsQuery(query), seesOnlyOwn(me) ? me.id : null, limit);
}

export function taskHistory(db: Db, meId: string | undefined, idOrPrefix: string): { task: Task; changes: Change[] } {
  const me = requireAgent(db, meId);
  const t = visibleTask(db, me, idOrPrefix);
  return { task: withLease(db, t), changes: T.historyOf(db, t.id).map(toChange) };
}

export { can };
