import { touchRunHeartbeat } from '../db/runs.js';
import { notFound, usage } from '../core/errors.js';
import { refused } from './refusals.js';
import {
  type AgentRow,
  type AgentStatusRow,
  addContact,
  allContacts,
  contactsOf,
  getAgent,
  listAgentStatus,
  recordHeartbeat,
  touchAgent,
  upsertAgent,
} from '../db/agents.js';
import { audit } from '../db/audit.js';
import { unreadCount } from '../db/messages.js';
import { renewAgentLeases } from '../db/tasks.js';
import { type Db, writeTx } from '../db/open.js';
import { nameProblem } from '../core/text.js';
import { AGENT_ID } from '../core/identity.js';
import { ADMIN, ROLE_TIERS, WORKER_ROLES, isRole } from '../core/roles.js';

/** Seconds without a heartbeat after which an agent that used to send them counts as stale. */
export const STALE_AFTER_SECONDS = 300;

function validateAgentId(id: string, what = 'agent id'): string {
  if (id === '') throw usage(`${what} is empty`);
  if (!AGENT_ID.test(id)) {
    throw usage(`invalid ${what} '${id}'`, 'use 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit');
  }
  return id;
}

/** The calling agent: `id` must be set (BTMSG_AGENT_ID) and registered. */
export function requireAgent(db: Db, id: string | undefined): AgentRow {
  if (id === undefined || id === '') {
    throw usage('BTMSG_AGENT_ID is not set', 'export BTMSG_AGENT_ID=<your agent id> (the operator is "admin")');
  }
  const me = getAgent(db, id);
  if (!me) throw notFound(`BTMSG_AGENT_ID '${id}' is not a registered agent`, 'register it: btmsg register <id> <name> <role> <group>');
  return me;
}

/** Looks up another agent by id, with a not-found error that says where to look. */
export function requireOther(db: Db, id: string, what = 'agent'): AgentRow {
  validateAgentId(id, `${what} id`);
  const a = getAgent(db, id);
  if (!a) throw notFound(`unknown ${what} '${id}'`, 'btmsg status lists the registered agents');
  return a;
}

/** Who may change agents and contacts: the operator and managers. */
function requireManager(actor: AgentRow, what: string, verb: string, target: string): void {
  if (actor.tier !== 0 && actor.role !== 'manager') {
    throw refused({ agent: actor.id, action: verb, target }, `${actor.id} (${actor.role}) may not ${what}`, 'ask the operator or a manager');
  }
}

export interface RegisterOptions {
  id: string;
  name: string;
  role: string;
  group: string;
  tier?: number;
  model?: string;
  cwd?: string;
}

export interface Registered {
  agent: AgentRow;
  result: 'created' | 'updated' | 'unchanged';
  /** Why nothing changed, for the caller to show. */
  note?: string;
}

export function register(db: Db, actorId: string, o: RegisterOptions): Registered {
  validateAgentId(o.id);
  if (o.id === ADMIN) return registerAdmin(db, actorId, o);
  if (!isRole(o.role)) throw usage(`unknown role '${o.role}'`, `roles: ${WORKER_ROLES.join(', ')}`);
  if (o.role === ADMIN) throw usage(`role '${ADMIN}' is reserved for the built-in operator`);
  if (o.name.trim() === '') throw usage('name is empty');
  if (o.group.trim() === '') throw usage('group is empty');
  for (const [value, what] of [
    [o.name, 'name'],
    [o.group, 'group'],
    [o.model, 'model'],
    [o.cwd, 'cwd'],
  ] as const) {
    const problem = value === undefined ? undefined : nameProblem(value, what);
    if (problem) throw usage(problem, 'give it again without them');
  }
  const tier = o.tier ?? ROLE_TIERS[o.role];
  if (!Number.isInteger(tier) || tier < 1 || tier > 9) throw usage(`invalid tier ${o.tier}`, 'tiers run from 1 to 9 (0 is the operator)');
  return writeTx(db, () => {
    const actor = requireAgent(db, actorId);
    requireManager(actor, 'register agents', 'register', o.id);
    const result = upsertAgent(db, { id: o.id, name: o.name, role: o.role, group_id: o.group, tier, model: o.model ?? null, cwd: o.cwd ?? null });
    audit(db, actor.id, result === 'created' ? 'agent_registered' : 'agent_updated', { agent: o.id, role: o.role, group: o.group, tier });
    return { agent: getAgent(db, o.id)!, result };
  });
}

/**
 * Setup scripts of the earlier btmsg ran `btmsg register admin Operator admin <group>
 * --tier 0`; registering the operator as what it is succeeds and changes nothing (its
 * name and group stay), so such a script under `set -e` goes on. Any other role or tier
 * is refused.
 */
function registerAdmin(db: Db, actorId: string, o: RegisterOptions): Registered {
  if (o.role !== ADMIN || (o.tier !== undefined && o.tier !== 0)) {
    throw refused(
      { agent: actorId, action: 'register', target: ADMIN },
      `admin is the built-in operator (role admin, tier 0) and cannot be re-registered as ${o.role}${o.tier !== undefined ? `, tier ${o.tier}` : ''}`,
      'register another id for that agent',
    );
  }
  const actor = requireAgent(db, actorId);
  requireManager(actor, 'register agents', 'register', ADMIN);
  const agent = getAgent(db, ADMIN)!;
  return { agent, result: 'unchanged', note: 'admin is the built-in operator and already registered as admin, tier 0; nothing changed' };
}

export function allow(db: Db, actorId: string, from: string, to: string, bidirectional: boolean): { added: [string, string][] } {
  return writeTx(db, () => {
    const actor = requireAgent(db, actorId);
    requireManager(actor, 'change contacts', 'allow', `${from} -> ${to}`);
    requireOther(db, from);
    requireOther(db, to);
    if (from === to) throw usage('an agent cannot be its own contact');
    const added: [string, string][] = [];
    if (addContact(db, from, to)) added.push([from, to]);
    if (bidirectional && addContact(db, to, from)) added.push([to, from]);
    if (added.length) audit(db, actor.id, 'contact_added', { from, to, bidirectional });
    return { added };
  });
}

export type Liveness = 'alive' | 'stale' | 'none';

export function liveness(heartbeat: number | null | undefined, nowSeconds = Math.floor(Date.now() / 1000)): Liveness {
  if (heartbeat === null || heartbeat === undefined) return 'none';
  return nowSeconds - heartbeat <= STALE_AFTER_SECONDS ? 'alive' : 'stale';
}

export interface AgentView {
  id: string;
  name: string;
  role: string;
  group: string;
  tier: number;
  model: string | null;
  cwd: string | null;
  status: string | null;
  managed: boolean;
  last_active_at: string | null;
  heartbeat: number | null;
  liveness: Liveness;
  unread?: number;
}

const toAgentView = (a: AgentRow & { heartbeat?: number | null; unread?: number }): AgentView => ({
  id: a.id,
  name: a.name,
  role: a.role,
  group: a.group_id,
  tier: a.tier,
  model: a.model,
  cwd: a.cwd,
  status: a.status,
  managed: a.managed === 1,
  last_active_at: a.last_active_at,
  heartbeat: a.heartbeat ?? null,
  liveness: liveness(a.heartbeat),
  ...(a.unread !== undefined ? { unread: a.unread } : {}),
});

export const status = (db: Db): AgentView[] => listAgentStatus(db).map(toAgentView);

/** The agents `me` may message directly. The operator may message everyone. */
export function contacts(db: Db, meId: string | undefined): AgentView[] {
  const me = requireAgent(db, meId);
  if (me.tier === 0)
    return listAgentStatus(db)
      .filter((a) => a.id !== me.id)
      .map((a: AgentStatusRow) => toAgentView({ ...a, unread: undefined }));
  const list = contactsOf(db, me.id).map((a) => toAgentView({ ...a, unread: undefined }));
  if (!list.some((a) => a.id === ADMIN)) {
    const admin = getAgent(db, ADMIN);
    if (admin) list.unshift(toAgentView(admin));
  }
  return list;
}

export function whoami(db: Db, meId: string | undefined): AgentView & { unread: number; contacts: number } {
  const me = requireAgent(db, meId);
  const hb = listAgentStatus(db).find((a) => a.id === me.id);
  return { ...toAgentView({ ...me, heartbeat: hb?.heartbeat ?? null }), unread: unreadCount(db, me.id), contacts: contacts(db, me.id).length };
}

export interface Graph {
  nodes: { id: string; role: string; group: string; tier: number }[];
  edges: { from: string; to: string; mutual: boolean }[];
}

export function graph(db: Db): Graph {
  const nodes = status(db).map((a) => ({ id: a.id, role: a.role, group: a.group, tier: a.tier }));
  const pairs = allContacts(db);
  const set = new Set(pairs.map((p) => `${p.agent_id}\0${p.contact_id}`));
  const edges = pairs.map((p) => ({ from: p.agent_id, to: p.contact_id, mutual: set.has(`${p.contact_id}\0${p.agent_id}`) }));
  return { nodes, edges };
}

/**
 * Records that `me` is alive now and renews the task leases it holds (those of `runId`
 * when given, so a dead incarnation's leases are not kept alive by a new one).
 */
export function heartbeat(db: Db, meId: string | undefined, runId: string | null = null): { agent: string; timestamp: number; leases_renewed: number } {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const now = Math.floor(Date.now() / 1000);
    recordHeartbeat(db, me.id, now);
    touchAgent(db, me.id);
    // The supervisor's stall detection counts the heartbeats of the run itself.
    if (runId) touchRunHeartbeat(db, runId, Date.now());
    return { agent: me.id, timestamp: now, leases_renewed: renewAgentLeases(db, me.id, runId, now) };
  });
}
