/**
 * What a reload of agor.yaml would change, agent by agent: a pure diff of the running
 * configuration against the file as it is now (`agor reload --dry-run` prints it).
 */
import { usage } from '../core/errors.js';
import type { AgentConfig, GroupConfig } from './config.js';

/** add: new agent; remove: gone from the file; restart: its process must start again; update: applied in place. */
export type ChangeKind = 'add' | 'remove' | 'restart' | 'update' | 'unchanged';

export interface AgentPlan {
  agent: string;
  kind: ChangeKind;
  /** The keys that changed, as agor.yaml names them (`env.FOO`, `stall_after`); never their values. */
  changes: string[];
  /** Why, in words: "env.FOO changed", "new in agor.yaml". */
  why: string;
}

export interface GroupChange {
  key: string;
  /** applied: in force at once; next_up: takes effect at the next `agor up`. */
  effect: 'applied' | 'next_up';
}

export interface ReloadPlan {
  file: string;
  group: string;
  agents: AgentPlan[];
  group_changes: GroupChange[];
  added: string[];
  removed: string[];
  restarted: string[];
  updated: string[];
}

/**
 * Fields a running process was started with: a change means stopping it and starting it
 * again. An agent field this list and IN_PLACE both lack counts as one (a restart is
 * never wrong, only slower).
 */
const RESTART = new Set(['command', 'promptVia', 'cwd', 'env', 'sandbox', 'limits', 'runAs', 'secrets', 'worktree', 'mode']);
/** Fields the supervisor reads as it goes (schedules, stalls, the restart policy, wakes, hooks...). */
const IN_PLACE = new Set([
  'name',
  'role',
  'model',
  'restart',
  'stallAfterMs',
  'onStall',
  'timeoutMs',
  'stopGraceMs',
  'schedules',
  'wake',
  'contacts',
  'hooks',
  'approvals',
  'budget',
  'notify',
]);
/** Group fields read as they are needed; any other group field waits for the next `agor up`. */
const GROUP_IN_PLACE = new Set(['maxConcurrent', 'hooks', 'approvals', 'budget', 'notify', 'timezone']);

/** agor.yaml's name for a field: stallAfterMs -> stall_after, runAs -> user/group. */
export function yamlKey(field: string): string {
  if (field === 'runAs') return 'user/group';
  if (field === 'timeoutMs') return 'timeout';
  return field.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The keys under `field` that differ: one level into mappings (env.FOO, restart.max_retries), the field itself otherwise. */
function changedKeys(field: string, a: unknown, b: unknown): string[] {
  if (same(a, b)) return [];
  const map = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (map(a) && map(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    const sub = keys.filter((k) => !same(a[k], b[k])).map((k) => `${yamlKey(field)}.${field === 'env' ? k : yamlKey(k)}`);
    if (sub.length) return sub;
  }
  return [yamlKey(field)];
}

/** The plan for one agent present in both files. */
function planAgent(a: AgentConfig, b: AgentConfig): AgentPlan {
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((f) => f !== 'id');
  const restart: string[] = [];
  const update: string[] = [];
  for (const f of fields) {
    const keys = changedKeys(f, (a as unknown as Record<string, unknown>)[f], (b as unknown as Record<string, unknown>)[f]);
    if (!keys.length) continue;
    // A service holds its standing prompt from its start; an on-demand agent's next run reads the new one.
    const restarts = RESTART.has(f) || (f === 'prompt' && b.mode === 'service') || (!IN_PLACE.has(f) && f !== 'prompt');
    (restarts ? restart : update).push(...keys);
  }
  const changes = [...restart, ...update];
  if (restart.length)
    return { agent: b.id, kind: 'restart', changes, why: `${restart.join(', ')} changed${update.length ? `; ${update.join(', ')} applied in place` : ''}` };
  if (update.length) return { agent: b.id, kind: 'update', changes, why: `${update.join(', ')} changed` };
  return { agent: b.id, kind: 'unchanged', changes: [], why: 'unchanged' };
}

/**
 * The difference between the configuration a supervisor runs and the file as it is now.
 * A different `group:` is refused (Exit.USAGE): it names another team, which takes
 * `agor down` and `agor up`.
 */
export function planReload(old: GroupConfig, next: GroupConfig): ReloadPlan {
  if (old.group !== next.group) {
    throw usage(
      `${next.file}: group: changed from '${old.group}' to '${next.group}'; a reload keeps the team it runs`,
      'to run another group: agor down, then agor up',
    );
  }
  const before = new Map(old.agents.map((a) => [a.id, a]));
  const after = new Set(next.agents.map((a) => a.id));
  const agents: AgentPlan[] = next.agents.map((b) => {
    const a = before.get(b.id);
    return a ? planAgent(a, b) : { agent: b.id, kind: 'add', changes: [], why: 'new in agor.yaml' };
  });
  for (const a of old.agents) if (!after.has(a.id)) agents.push({ agent: a.id, kind: 'remove', changes: [], why: 'no longer in agor.yaml' });
  const group_changes: GroupChange[] = [];
  const fields = [...new Set([...Object.keys(old), ...Object.keys(next)])].filter((f) => f !== 'agents' && f !== 'file' && f !== 'group');
  for (const f of fields.sort()) {
    const keys = changedKeys(f, (old as unknown as Record<string, unknown>)[f], (next as unknown as Record<string, unknown>)[f]);
    for (const key of keys) group_changes.push({ key, effect: GROUP_IN_PLACE.has(f) ? 'applied' : 'next_up' });
  }
  const of = (k: ChangeKind) => agents.filter((p) => p.kind === k).map((p) => p.agent);
  return { file: next.file, group: next.group, agents, group_changes, added: of('add'), removed: of('remove'), restarted: of('restart'), updated: of('update') };
}

/** One line per change of a plan, for people: "restart worker: env.FOO changed". */
export function planLines(p: ReloadPlan): string[] {
  const verb: Record<ChangeKind, string> = { add: 'add', remove: 'remove', restart: 'restart', update: 'update', unchanged: 'keep' };
  const lines = p.agents.filter((a) => a.kind !== 'unchanged').map((a) => `${verb[a.kind]} ${a.agent}: ${a.why}`);
  for (const g of p.group_changes) lines.push(`group ${g.key}: ${g.effect === 'applied' ? 'applied in place' : 'takes effect at the next agor up'}`);
  const kept = p.agents.filter((a) => a.kind === 'unchanged').length;
  if (kept) lines.push(`${kept} agent${kept === 1 ? '' : 's'} unchanged`);
  if (!lines.length) lines.push('no changes');
  return lines;
}
