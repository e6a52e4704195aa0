import { type Node, isMap, isScalar, isSeq } from 'yaml';
import { type Ctx, duration, entries, fail, isEmpty, oneOf } from './yaml.js';
import { findExecutable } from '../sandbox/exec.js';

/** The events a hook can be given. */
export const HOOK_EVENTS = ['run_end', 'agent_failed', 'stall', 'task_status', 'wake', 'approval_requested', 'dead_letter', 'budget', 'conflict'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

const OUTCOMES = ['success', 'partial', 'cancelled', 'timeout', 'failed', 'blocked'] as const;
const STATUSES = ['todo', 'progress', 'review', 'done', 'blocked'] as const;

export const HOOK_TIMEOUT_MS = 30_000;

/** One command run on an event. */
export interface HookSpec {
  event: HookEvent;
  argv: string[];
  timeoutMs: number;
  /** run_end only: the outcomes it runs for (null: every outcome). */
  outcomes: string[] | null;
  /** task_status only: the new statuses it runs for (null: every status). */
  statuses: string[] | null;
}

const HINT = 'an argv list such as ["notify-send", "agor"], a list of them, or { command: [...], timeout: 30s }';

function argvOf(ctx: Ctx, node: Node | null | undefined, key: string, cwd: string): string[] {
  if (!isSeq(node)) fail(ctx, node, key, 'must be a list of arguments (argv)', HINT);
  const argv = node.items.map((n, i) => {
    if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number')) fail(ctx, n as Node, `${key}[${i}]`, 'must be a string');
    return String(n.value);
  });
  if (!argv.length || argv[0]!.trim() === '') fail(ctx, node, key, 'must not be empty', HINT);
  if (findExecutable(argv[0]!, cwd, process.env.PATH ?? '') === undefined) fail(ctx, node, key, `'${argv[0]}' is not an executable file or on PATH`);
  return argv;
}

function filterList<T extends string>(ctx: Ctx, node: Node | null | undefined, key: string, values: readonly T[]): T[] {
  if (!isSeq(node)) fail(ctx, node, key, `must be a list of ${values.join(', ')}`);
  return node.items.map((n, i) => oneOf(ctx, n as Node, `${key}[${i}]`, values));
}

/** One hook: a plain argv list, or the long form { command, timeout, outcomes, statuses }. */
function oneHook(ctx: Ctx, event: HookEvent, node: Node, key: string, cwd: string): HookSpec {
  if (isSeq(node)) return { event, argv: argvOf(ctx, node, key, cwd), timeoutMs: HOOK_TIMEOUT_MS, outcomes: null, statuses: null };
  const allowed = ['command', 'timeout', ...(event === 'run_end' ? ['outcomes'] : []), ...(event === 'task_status' ? ['statuses'] : [])];
  const e = entries(ctx, node, key, allowed);
  const cmd = e.get('command')?.value;
  if (!cmd) fail(ctx, node, `${key}.command`, 'is required', HINT);
  return {
    event,
    argv: argvOf(ctx, cmd, `${key}.command`, cwd),
    timeoutMs: e.get('timeout') ? duration(ctx, e.get('timeout')!.value, `${key}.timeout`, 100, 86_400_000) : HOOK_TIMEOUT_MS,
    outcomes: e.get('outcomes') ? filterList(ctx, e.get('outcomes')!.value, `${key}.outcomes`, OUTCOMES) : null,
    statuses: e.get('statuses') ? filterList(ctx, e.get('statuses')!.value, `${key}.statuses`, STATUSES) : null,
  };
}

/**
 * Parses a `hooks:` mapping (of the group or of one agent): event -> an argv list, a list
 * of argv lists, or the long form. Hooks run in `cwd` (agor.yaml's directory), so a
 * relative command is found from there.
 */
export function parseHooks(ctx: Ctx, node: Node | null | undefined, key: string, cwd: string): HookSpec[] {
  if (!node || isEmpty(node)) return [];
  const e = entries(ctx, node, key, HOOK_EVENTS);
  const out: HookSpec[] = [];
  for (const [name, pair] of e) {
    const event = name as HookEvent;
    const k = `${key}.${name}`;
    const v = pair.value;
    if (isMap(v)) out.push(oneHook(ctx, event, v, k, cwd));
    else if (isSeq(v) && v.items.length && v.items.every((i) => isSeq(i) || isMap(i)))
      v.items.forEach((i, n) => out.push(oneHook(ctx, event, i as Node, `${k}[${n}]`, cwd)));
    else if (isSeq(v)) out.push(oneHook(ctx, event, v, k, cwd));
    else fail(ctx, v, k, 'must be a command', HINT);
  }
  return out;
}
