import { CronExpressionParser } from 'cron-parser';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Document, LineCounter, type Node, type Pair, isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { UserError, usage } from '../core/errors.js';
import { ADMIN, WORKER_ROLES, type WorkerRole } from '../core/roles.js';
import { AGENT_ID } from '../core/identity.js';
import { findExecutable } from '../sandbox/exec.js';

export { findExecutable } from '../sandbox/exec.js';
import { ConfigError, type Ctx, checkDir, duration, entries, fail, int, label, lineOf, oneOf, str } from './yaml.js';
import { type Limits, type RunAs, type SandboxConfig, parseLimits, parseRunAs, parseSandbox } from './sandbox-config.js';
import { type SecretSpec, parseSecrets } from './secrets-config.js';
import { type OtlpConfig, parseOtlp } from './otlp-config.js';
import { type HookSpec, parseHooks } from './hooks-config.js';
import { type NotifyConfig, parseNotify } from './notify-config.js';
import { type ApprovalPolicy, NO_POLICY, mergePolicy, parseApprovals } from './approvals-config.js';
import { WITHHELD_ENV } from './spawn.js';
import { type BudgetSpec, parseBudget, parseTimeZone } from './budget-config.js';
import { type WorktreeConfig, parseWorktree } from './worktree-config.js';

export { ConfigError };
export type { ApprovalPolicy, BudgetSpec, Limits, RunAs, SandboxConfig, SecretSpec, WorktreeConfig };

/** The file `agor` reads when no -f is given. */
export const CONFIG_FILE = 'agor.yaml';

export interface RestartPolicy {
  maxRetries: number;
  backoffMs: number;
  backoffCapMs: number;
  stableAfterMs: number;
}

export interface Schedule {
  cron: string;
  tz: string;
  prompt: string;
  /** Resolved: the schedule's own, else the agent's `timeout` when set, else 1500 s. */
  timeoutMs: number;
}

export interface AgentConfig {
  id: string;
  name: string;
  role: WorkerRole;
  /** argv; "{prompt}" in any element is replaced by the wake prompt. */
  command: string[];
  promptVia: 'arg' | 'stdin' | 'env';
  /** The agent's standing prompt: a persistent agent is resumed with it; wake prompts start with it. */
  prompt: string | null;
  cwd: string;
  env: Record<string, string>;
  model: string | null;
  mode: 'service' | 'on-demand';
  restart: RestartPolicy;
  stallAfterMs: number;
  onStall: 'none' | 'restart' | 'kill';
  /** Wall clock per run; null for a service agent without an explicit timeout (it runs until stopped). */
  timeoutMs: number | null;
  stopGraceMs: number;
  schedules: Schedule[];
  wake: { strategy: 'persistent' | 'on-demand' | 'smart'; threshold: number };
  contacts: string[];
  sandbox: SandboxConfig;
  limits: Limits;
  /** Who the agent runs as (`user:`, `group:`); null: the user running agor. */
  runAs: RunAs | null;
  /** The keyring secrets its runs get as environment variables (`secrets:`); none by default. */
  secrets: SecretSpec[];
  /** Its own hooks (`hooks:`), run for events about it besides the group's. */
  hooks: HookSpec[];
  /** `approvals:`: the group's, key by key replaced by the agent's own. */
  approvals: ApprovalPolicy;
  /** Its own `budget:` (the group's applies besides); null: none. */
  budget?: BudgetSpec | null;
  /** Its own git worktree (`worktree:`, its own or the group's); null: it works in cwd. */
  worktree: WorktreeConfig | null;
}

export interface GroupConfig {
  file: string;
  group: string;
  maxConcurrent: number;
  /** The group's `approvals:` (each agent's merged copy is in its AgentConfig). */
  approvals: ApprovalPolicy;
  agents: AgentConfig[];
  /** Where traces go (`otlp:`); absent: none unless AGOR_OTLP_ENDPOINT says. */
  otlp?: OtlpConfig | null;
  /** The group's hooks (`hooks:`), run for every event. */
  hooks: HookSpec[];
  /** Desktop notifications and the dashboard's bell (`notify:`); absent: the defaults. */
  notify?: NotifyConfig;
  /** The group's `budget:`, over the sum of all its agents' spending; null: none. */
  budget?: BudgetSpec | null;
  /** `timezone:` (IANA): where budget days and months begin; default the machine's. */
  timezone?: string;
}

export const DEFAULTS = {
  restart: { maxRetries: 5, backoffMs: 1000, backoffCapMs: 30_000, stableAfterMs: 5 * 60_000 },
  stallAfterMs: 15 * 60_000,
  timeoutMs: 30 * 60_000,
  scheduleTimeoutMs: 1500_000,
  stopGraceMs: 10_000,
  maxConcurrent: 8,
  threshold: 0.5,
} as const;

/** What aliases may add to agor.yaml, in YAML nodes: far above any real file, far below harm. */
export const MAX_ALIAS_NODES = 10_000;

/** True when `cmd` names an executable: a path, or a name found on PATH. */
export const commandExists = (cmd: string, cwd: string, path = process.env.PATH ?? ''): boolean => findExecutable(cmd, cwd, path) !== undefined;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const AGENT_KEYS = [
  'name',
  'role',
  'command',
  'prompt',
  'prompt_via',
  'cwd',
  'env',
  'model',
  'mode',
  'restart',
  'stall_after',
  'on_stall',
  'timeout',
  'stop_grace',
  'schedules',
  'wake',
  'contacts',
  'sandbox',
  'limits',
  'user',
  'group',
  'secrets',
  'hooks',
  'approvals',
  'budget',
  'worktree',
] as const;

function parseAgent(
  ctx: Ctx,
  id: string,
  idNode: Node,
  node: Node | null | undefined,
  baseDir: string,
  ids: Set<string>,
  policy: ApprovalPolicy,
  groupWorktree?: Node | null,
): AgentConfig {
  const k = `agents.${id}`;
  if (!AGENT_ID.test(id)) fail(ctx, idNode, k, 'agent ids are 1-64 letters, digits, dot, dash or underscore');
  if (id === ADMIN) fail(ctx, idNode, k, `'${ADMIN}' is the built-in operator`);
  const e = entries(ctx, node, k, AGENT_KEYS);
  const get = (key: string) => e.get(key)?.value;
  const cwdNode = get('cwd');
  const cwd = cwdNode ? resolve(baseDir, str(ctx, cwdNode, `${k}.cwd`)) : baseDir;
  if (cwdNode) checkDir(ctx, cwdNode, `${k}.cwd`, cwd);
  const cmdNode = get('command');
  if (!cmdNode) fail(ctx, node, `${k}.command`, 'is required', 'e.g. command: ["claude", "-p", "{prompt}"]');
  let command: string[];
  if (isSeq(cmdNode)) {
    command = cmdNode.items.map((n, i) => {
      if (!isScalar(n) || (typeof n.value !== 'string' && typeof n.value !== 'number')) fail(ctx, n as Node, `${k}.command[${i}]`, 'must be a string');
      return String(n.value);
    });
    if (!command.length || command[0]!.trim() === '') fail(ctx, cmdNode, `${k}.command`, 'must not be empty');
  } else {
    fail(ctx, cmdNode, `${k}.command`, 'must be a list of arguments (argv)', `e.g. command: ["sh", "-c", "echo hi"]`);
  }
  if (!commandExists(command[0]!, cwd)) fail(ctx, cmdNode, `${k}.command`, `'${command[0]}' is not an executable file or on PATH`);
  const hasPlaceholder = command.some((a) => a.includes('{prompt}'));
  const promptVia = get('prompt_via') ? oneOf(ctx, get('prompt_via'), `${k}.prompt_via`, ['arg', 'stdin', 'env'] as const) : hasPlaceholder ? 'arg' : 'env';
  if (promptVia === 'arg' && !hasPlaceholder)
    fail(
      ctx,
      get('prompt_via'),
      `${k}.prompt_via`,
      'is arg, but no argument of command holds {prompt}',
      'put "{prompt}" where the prompt goes, or use prompt_via: stdin or env',
    );
  if (promptVia !== 'arg' && hasPlaceholder)
    fail(ctx, cmdNode, `${k}.command`, `holds {prompt}, but prompt_via is ${promptVia}`, 'use prompt_via: arg, or take {prompt} out of the command');
  const env: Record<string, string> = {};
  if (get('env')) {
    const envNode = get('env');
    if (!isMap(envNode)) fail(ctx, envNode, `${k}.env`, 'must be a mapping of NAME: value');
    for (const p of envNode.items as Pair<Node, Node>[]) {
      const name = isScalar(p.key) ? String(p.key.value) : '';
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(ctx, p.key, `${k}.env.${name}`, 'is not a valid variable name');
      if (WITHHELD_ENV.includes(name))
        fail(ctx, p.key, `${k}.env.${name}`, 'is kept from every agent (it leads to the keyring)', 'hand the agent what it needs from the keyring with secrets:');
      const v = isScalar(p.value) ? p.value.value : undefined;
      if (v === null || v === undefined || typeof v === 'object') fail(ctx, p.value, `${k}.env.${name}`, 'must be a string, number or boolean');
      env[name] = String(v);
    }
  }
  const restart: RestartPolicy = { ...DEFAULTS.restart };
  if (get('restart')) {
    const r = entries(ctx, get('restart'), `${k}.restart`, ['max_retries', 'backoff', 'backoff_cap', 'stable_after']);
    if (r.get('max_retries')) restart.maxRetries = int(ctx, r.get('max_retries')!.value, `${k}.restart.max_retries`, 0, 1000);
    if (r.get('backoff')) restart.backoffMs = duration(ctx, r.get('backoff')!.value, `${k}.restart.backoff`, 0, 3_600_000);
    if (r.get('backoff_cap')) restart.backoffCapMs = duration(ctx, r.get('backoff_cap')!.value, `${k}.restart.backoff_cap`, 0, 86_400_000);
    if (r.get('stable_after')) restart.stableAfterMs = duration(ctx, r.get('stable_after')!.value, `${k}.restart.stable_after`, 1000, 86_400_000);
    if (restart.backoffCapMs < restart.backoffMs) fail(ctx, r.get('backoff_cap')?.value ?? get('restart'), `${k}.restart.backoff_cap`, 'must not be below backoff');
  }
  const timeoutNode = get('timeout');
  const mode = get('mode') ? oneOf(ctx, get('mode'), `${k}.mode`, ['service', 'on-demand'] as const) : 'service';
  const explicitTimeout = timeoutNode ? duration(ctx, timeoutNode, `${k}.timeout`, 1000, 7 * 86_400_000) : null;
  const timeoutMs = explicitTimeout ?? (mode === 'service' ? null : DEFAULTS.timeoutMs);
  const schedules: Schedule[] = [];
  if (get('schedules') && !(isScalar(get('schedules')) && (get('schedules') as { value: unknown }).value === null)) {
    const sNode = get('schedules');
    if (!isSeq(sNode)) fail(ctx, sNode, `${k}.schedules`, 'must be a list of {cron, tz, prompt, timeout}');
    sNode.items.forEach((item, i) => {
      const sk = `${k}.schedules[${i}]`;
      const s = entries(ctx, item as Node, sk, ['cron', 'tz', 'prompt', 'timeout']);
      const cronNode = s.get('cron')?.value;
      if (!cronNode) fail(ctx, item as Node, `${sk}.cron`, 'is required');
      const cron = str(ctx, cronNode, `${sk}.cron`);
      const fields = cron.trim().split(/\s+/).length;
      if (!cron.trim().startsWith('@') && fields !== 5 && fields !== 6) {
        fail(
          ctx,
          cronNode,
          `${sk}.cron`,
          `has ${fields} field${fields === 1 ? '' : 's'}`,
          "five fields: minute hour day-of-month month day-of-week (e.g. '0 9 * * 1-5'), or six with seconds first",
        );
      }
      const tz = s.get('tz') ? str(ctx, s.get('tz')!.value, `${sk}.tz`) : Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (!validTimeZone(tz)) fail(ctx, s.get('tz')?.value, `${sk}.tz`, `unknown time zone '${tz}'`, 'use an IANA name such as Europe/Berlin or UTC');
      try {
        CronExpressionParser.parse(cron, { tz, strict: false });
      } catch (err) {
        fail(
          ctx,
          cronNode,
          `${sk}.cron`,
          `cannot parse '${cron}': ${(err as Error).message}`,
          "five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1-5'",
        );
      }
      schedules.push({
        cron,
        tz,
        prompt: s.get('prompt') ? str(ctx, s.get('prompt')!.value, `${sk}.prompt`) : `Scheduled run (${cron} ${tz}).`,
        timeoutMs: s.get('timeout')
          ? duration(ctx, s.get('timeout')!.value, `${sk}.timeout`, 1000, 7 * 86_400_000)
          : (explicitTimeout ?? DEFAULTS.scheduleTimeoutMs),
      });
    });
  }
  const wake: AgentConfig['wake'] = { strategy: 'on-demand', threshold: DEFAULTS.threshold };
  if (get('wake')) {
    const w = entries(ctx, get('wake'), `${k}.wake`, ['strategy', 'threshold']);
    if (w.get('strategy')) wake.strategy = oneOf(ctx, w.get('strategy')!.value, `${k}.wake.strategy`, ['persistent', 'on-demand', 'smart'] as const);
    if (w.get('threshold')) {
      const t = isScalar(w.get('threshold')!.value) ? (w.get('threshold')!.value as { value: unknown }).value : undefined;
      if (typeof t !== 'number' || !(t >= 0 && t <= 1)) fail(ctx, w.get('threshold')!.value, `${k}.wake.threshold`, 'must be a number from 0 to 1');
      wake.threshold = t;
    }
  }
  const contacts: string[] = [];
  if (get('contacts')) {
    const c = get('contacts');
    if (!isSeq(c)) fail(ctx, c, `${k}.contacts`, 'must be a list of agent ids');
    c.items.forEach((n, i) => {
      const to = str(ctx, n as Node, `${k}.contacts[${i}]`);
      if (!ids.has(to) && to !== ADMIN) fail(ctx, n as Node, `${k}.contacts[${i}]`, `'${to}' is not an agent of this group`, `agents: ${[...ids].join(', ')}`);
      contacts.push(to);
    });
  }
  return {
    id,
    name: get('name') ? label(ctx, get('name'), `${k}.name`) : id,
    role: get('role') ? oneOf(ctx, get('role'), `${k}.role`, WORKER_ROLES) : 'project',
    command,
    promptVia,
    prompt: get('prompt') ? str(ctx, get('prompt'), `${k}.prompt`) : null,
    cwd,
    env,
    model: get('model') ? label(ctx, get('model'), `${k}.model`) : null,
    mode,
    restart,
    stallAfterMs: get('stall_after') ? duration(ctx, get('stall_after'), `${k}.stall_after`, 1000, 7 * 86_400_000) : DEFAULTS.stallAfterMs,
    onStall: get('on_stall') ? oneOf(ctx, get('on_stall'), `${k}.on_stall`, ['none', 'restart', 'kill'] as const) : 'none',
    timeoutMs,
    stopGraceMs: get('stop_grace') ? duration(ctx, get('stop_grace'), `${k}.stop_grace`, 0, 600_000) : DEFAULTS.stopGraceMs,
    schedules,
    wake,
    contacts,
    sandbox: parseSandbox(ctx, get('sandbox'), `${k}.sandbox`, cwd),
    limits: parseLimits(ctx, get('limits'), `${k}.limits`),
    runAs: parseRunAs(ctx, get('user'), get('group'), k),
    secrets: parseSecrets(ctx, get('secrets'), `${k}.secrets`, env),
    hooks: parseHooks(ctx, get('hooks'), `${k}.hooks`, baseDir),
    approvals: get('approvals') ? mergePolicy(policy, parseApprovals(ctx, get('approvals'), `${k}.approvals`)) : policy,
    budget: parseBudget(ctx, get('budget'), `${k}.budget`),
    worktree: e.has('worktree') ? parseWorktree(ctx, get('worktree'), `${k}.worktree`, baseDir, id) : parseWorktree(ctx, groupWorktree, 'worktree', baseDir, id),
  };
}

/**
 * Refuses an alias that names no anchor, names the node it sits in, or brings the
 * document's expanded size over MAX_ALIAS_NODES; sizes are counted, never expanded.
 */
function checkAliasSize(ctx: Ctx, doc: Document): void {
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  const sizeOf = (n: unknown): number => {
    if (isAlias(n)) {
      const target = n.resolve(doc) as Node | undefined;
      if (!target) throw new ConfigError(ctx.file, lineOf(ctx, n as unknown as Node), '', `alias *${n.source} names no anchor`);
      if (open.has(target)) throw new ConfigError(ctx.file, lineOf(ctx, n as unknown as Node), '', `alias *${n.source} is inside the node it names`);
      let size = sizes.get(target);
      if (size === undefined) {
        open.add(target);
        size = sizeOf(target);
        open.delete(target);
        sizes.set(target, size);
      }
      return size;
    }
    if (isPair(n)) return sizeOf(n.key) + sizeOf(n.value);
    if (isCollection(n)) {
      open.add(n as Node);
      let sum = 1;
      for (const item of n.items) sum = Math.min(sum + sizeOf(item), Number.MAX_SAFE_INTEGER);
      open.delete(n as Node);
      return sum;
    }
    return 1;
  };
  let total = 0;
  visit(doc, {
    Alias(_, node) {
      total += sizeOf(node);
      if (total > MAX_ALIAS_NODES) {
        throw new ConfigError(
          ctx.file,
          lineOf(ctx, node as unknown as Node),
          '',
          `aliases expand to more than ${MAX_ALIAS_NODES} nodes (at *${node.source})`,
          'nested aliases multiply: write the values out, or use fewer levels of anchors',
        );
      }
    },
  });
}

/** Parses and validates agor.yaml text; every error names the file, line and key. */
export function parseConfig(text: string, file: string): GroupConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const ctx: Ctx = { file, lines };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ConfigError(file, e.linePos?.[0]?.line, '', `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  if (doc.contents === null) fail(ctx, null, '', 'is empty', 'agor init writes a commented example');
  // Anchors and aliases (&cmd / *cmd): validate each alias as a copy of what it names,
  // once we know the copies stay small: nested aliases ("billion laughs") multiply, and
  // a 428-byte file would otherwise take gigabytes.
  checkAliasSize(ctx, doc);
  visit(doc, {
    Alias(_, node) {
      return node.resolve(doc)!.clone() as Node;
    },
  });
  const top = entries(ctx, doc.contents as Node, '', [
    'group',
    'max_concurrent',
    'agents',
    'otlp',
    'hooks',
    'approvals',
    'notify',
    'budget',
    'timezone',
    'worktree',
  ]);
  const groupNode = top.get('group')?.value;
  if (!groupNode) fail(ctx, doc.contents as Node, 'group', 'is required', 'e.g. group: demo');
  const group = str(ctx, groupNode, 'group');
  if (!AGENT_ID.test(group)) fail(ctx, groupNode, 'group', 'must be 1-64 letters, digits, dot, dash or underscore');
  const maxConcurrent = top.get('max_concurrent') ? int(ctx, top.get('max_concurrent')!.value, 'max_concurrent', 1, 10_000) : DEFAULTS.maxConcurrent;
  const approvals = top.get('approvals') ? parseApprovals(ctx, top.get('approvals')!.value, 'approvals') : NO_POLICY;
  const agentsNode = top.get('agents')?.value;
  if (!agentsNode) fail(ctx, doc.contents as Node, 'agents', 'is required', 'declare at least one agent under agents:');
  if (!isMap(agentsNode) || !agentsNode.items.length) fail(ctx, agentsNode, 'agents', 'must map agent ids to their settings');
  const baseDir = dirname(resolve(file));
  const ids = new Set((agentsNode.items as Pair<Node, Node>[]).map((p) => (isScalar(p.key) ? String(p.key.value) : '')));
  const seen = new Set<string>();
  const agents: AgentConfig[] = [];
  for (const pair of agentsNode.items as Pair<Node, Node>[]) {
    const id = isScalar(pair.key) ? String(pair.key.value) : '';
    if (seen.has(id)) fail(ctx, pair.key, `agents.${id}`, 'is declared twice');
    seen.add(id);
    agents.push(parseAgent(ctx, id, pair.key, pair.value, baseDir, ids, approvals, top.get('worktree')?.value));
  }
  return {
    file: resolve(file),
    group,
    maxConcurrent,
    approvals,
    agents,
    otlp: parseOtlp(ctx, top.get('otlp')?.value),
    hooks: parseHooks(ctx, top.get('hooks')?.value, 'hooks', baseDir),
    notify: parseNotify(ctx, top.get('notify')?.value),
    budget: parseBudget(ctx, top.get('budget')?.value, 'budget'),
    timezone: parseTimeZone(ctx, top.get('timezone')?.value),
  };
}

/** Reads agor.yaml from `-f FILE` or the working directory. */
export function loadConfig(file?: string, cwd = process.cwd()): GroupConfig {
  const path = resolve(cwd, file ?? CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw usage(`no ${file ?? CONFIG_FILE} in ${file ? dirname(path) : cwd}`, file ? 'check the path given with -f' : 'create one with: agor init');
    if (code === 'EISDIR') throw usage(`${path} is a directory`, 'pass -f with the path of agor.yaml');
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseConfig(text, path);
}
