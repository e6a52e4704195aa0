/** The supervisor lock row (one supervisor per database) and the registration of the group it supervises. */
import { hostname } from 'node:os';
import { Exit, UserError } from '../core/errors.js';
import { ADMIN, ROLE_TIERS } from '../core/roles.js';
import { addContact, upsertAgent } from '../db/agents.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';
import * as R from '../db/runs.js';
import { managedAgentIds } from '../db/supervisor.js';
import type { GroupConfig } from './config.js';
import { iso } from './context.js';
import { bootId, isSameProcess, procStat } from './proc.js';

export interface Holder {
  pid: number;
  dbPath: string;
  socketPath: string;
  logPath: string | null;
  config: GroupConfig;
}

/** The refusal of a second supervisor (Exit.BUSY), naming the one that holds the lock. */
export function heldError(dbPath: string, cur: R.SupervisorRow): UserError {
  const who = `pid ${cur.pid} on ${cur.host ?? '?'}, since ${iso(cur.started_at)}${cur.config ? `, for ${cur.config}` : ''}`;
  return new UserError(`another supervisor holds ${dbPath}: ${who}`, 'stop it with: agor down (or use another --db)', Exit.BUSY);
}

/**
 * Takes the lock row for `h.pid`, unless another live supervisor holds it (Exit.BUSY). A
 * row whose process is gone (same pid, other start time or boot) is not held.
 */
export function acquireLock(db: Db, h: Holder): void {
  writeTx(db, () => {
    const cur = R.getSupervisor(db);
    if (cur && cur.pid !== h.pid && isSameProcess(cur.pid, cur.pid_start, cur.boot_id)) {
      throw heldError(h.dbPath, cur);
    }
    R.putSupervisor(db, {
      pid: h.pid,
      pid_start: procStat(h.pid)?.starttime ?? 0,
      boot_id: bootId(),
      host: hostname(),
      socket: h.socketPath,
      config: h.config.file,
      group_id: h.config.group,
      log: h.logPath,
      started_at: Date.now(),
    });
  });
}

/** Gives the lock up, if the database lets us now. */
export function releaseLock(db: Db, pid: number): void {
  try {
    R.clearSupervisor(db, pid);
  } catch {
    /* the database may be gone or busy: a lock row whose pid is gone is not held */
  }
}

/** Registers the group's agents and their default contacts, as btmsg register/allow would. */
export function registerGroup(db: Db, config: GroupConfig, pid: number): void {
  writeTx(db, () => {
    registerAgents(db, config);
    audit(db, ADMIN, 'supervisor_started', { pid, group: config.group, config: config.file, agents: config.agents.length });
  });
}

/**
 * The agents of agor.yaml registered and managed, their contacts added; agents of the group
 * no longer in it unmanaged (their runs, messages and audit kept). Inside a write transaction.
 */
export function registerAgents(db: Db, config: GroupConfig): void {
  const { group, agents } = config;
  const ids = new Set(agents.map((a) => a.id));
  for (const a of agents) {
    const created = upsertAgent(db, { id: a.id, name: a.name, role: a.role, group_id: group, tier: ROLE_TIERS[a.role], model: a.model, cwd: a.cwd });
    R.setManaged(db, a.id, true);
    if (created === 'created') audit(db, ADMIN, 'agent_registered', { agent: a.id, role: a.role, group, by: 'agor' });
  }
  const managers = agents.filter((a) => a.role === 'manager').map((a) => a.id);
  const tier1 = agents.filter((a) => ROLE_TIERS[a.role] === 1).map((a) => a.id);
  for (const a of agents) {
    const reach = a.role === 'manager' ? agents.map((b) => b.id) : ROLE_TIERS[a.role] === 1 ? [...tier1, ...managers] : [...managers];
    for (const to of [...reach, ...a.contacts]) if (to !== a.id && to !== ADMIN) addContact(db, a.id, to);
  }
  // Agents of this group dropped from agor.yaml are no longer woken by messages.
  for (const id of managedAgentIds(db, group)) {
    if (!ids.has(id)) {
      R.setManaged(db, id, false);
      R.deleteAgentState(db, id);
    }
  }
}
