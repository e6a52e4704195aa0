import { refused } from '../msg/refusals.js';
import type { AgentRow } from '../db/agents.js';
import type { TaskRow } from '../db/tasks.js';

/**
 * What each role may do on the board. Enforced here, in the domain, so the CLI, the
 * dashboard and the relay all obey the same rules:
 * - admin (tier 0) and manager: everything;
 * - architect: view, create, comment;
 * - reviewer: view, comment, decide reviews (review -> done, or back with a comment);
 * - tester: view, comment;
 * - project: only tasks assigned to them (view, comment, change status, release, renew),
 *   and claim ready tasks that are unassigned or already theirs.
 */
export type Action = 'view' | 'create' | 'comment' | 'update' | 'assign' | 'delete' | 'review' | 'claim' | 'reorder' | 'depend';

const ROLE_ACTIONS: Record<string, readonly Action[]> = {
  architect: ['view', 'create', 'comment'],
  reviewer: ['view', 'comment', 'review'],
  tester: ['view', 'comment'],
  project: ['view', 'comment', 'update', 'claim'],
};

export const isBoardAdmin = (a: AgentRow): boolean => a.tier === 0 || a.role === 'manager';

/** Project agents (and unknown roles) see only their own tasks. */
export const seesOnlyOwn = (a: AgentRow): boolean => !isBoardAdmin(a) && !['architect', 'reviewer', 'tester'].includes(a.role);

export function can(actor: AgentRow, action: Action, task?: TaskRow): boolean {
  if (isBoardAdmin(actor)) return true;
  const allowed = ROLE_ACTIONS[actor.role] ?? ROLE_ACTIONS.project!;
  if (!allowed.includes(action)) return false;
  if (seesOnlyOwn(actor) && task) {
    // Claiming is how a project agent takes an unassigned task.
    if (action === 'claim') return task.assigned_to === null || task.assigned_to === actor.id;
    return task.assigned_to === actor.id;
  }
  return true;
}

const VERBS: Record<Action, string> = {
  view: 'see',
  create: 'create tasks',
  comment: 'comment on',
  update: 'update',
  assign: 'assign',
  delete: 'delete',
  review: 'decide reviews of',
  claim: 'claim',
  reorder: 'reorder',
  depend: 'change dependencies of',
};

export function requirePermission(actor: AgentRow, action: Action, task?: TaskRow): void {
  if (can(actor, action, task)) return;
  const what = task ? `${VERBS[action]} task ${task.id.slice(0, 8)}` : VERBS[action];
  const why = seesOnlyOwn(actor) && task && ROLE_ACTIONS.project!.includes(action) ? ' (it is not assigned to you)' : '';
  throw refused(
    { agent: actor.id, action: `task ${action}`, ...(task ? { target: task.id } : {}) },
    `${actor.id} (${actor.role}) may not ${what}${why}`,
    'see the PERMISSIONS section of man bttask',
  );
}
