import { readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { posix, resolve, sep } from 'node:path';
import { type Node, isMap, isScalar, isSeq } from 'yaml';
import { type Limits, NO_LIMITS, type RunAs, SANDBOX_DEFAULTS, type SandboxConfig, parseSize } from '../sandbox/policy.js';
import { type Ctx, duration, entries, fail, int, isEmpty, oneOf } from './yaml.js';

export { NO_LIMITS, SANDBOX_DEFAULTS, formatSize, parseSize } from '../sandbox/policy.js';
export type { Limits, RunAs, SandboxConfig } from '../sandbox/policy.js';

const realpathOr = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** True when `dir` is `p` itself or one of its ancestors. */
const holds = (dir: string, p: string): boolean => dir === p || dir === '/' || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * One `read:`/`write:` entry -> an absolute path: `~` is the HOME of the user running agor,
 * a relative path starts at the agent's cwd. Refuses a path that is not written plainly, and
 * one that would allow `/` or the home directory wholesale.
 */
function sandboxPath(ctx: Ctx, node: Node, key: string, cwd: string, home: string): string {
  // YAML reads a plain ~ as null; here it can only mean the home directory.
  const v = !isScalar(node) ? undefined : typeof node.value === 'string' ? node.value : node.value === null && node.source === '~' ? '~' : undefined;
  if (v === undefined || v.trim() === '') fail(ctx, node, key, 'must be a path', 'e.g. read: [~/.claude] or write: [../shared-out]');
  if (v.includes('\0')) fail(ctx, node, key, 'must not contain a NUL byte', 'no file name can hold one');
  if (/^~[^/]/.test(v)) fail(ctx, node, key, `'${v}': ~user is not expanded`, 'write the full path, or ~/ for your own home directory');
  // `~/x` is judged like the absolute path it stands for: a `..` there is as confusing as in `/..`.
  const tail = v === '~' ? '/' : v.startsWith('~/') ? v.slice(1) : v;
  const plain = posix.normalize(tail);
  if (plain !== tail) {
    fail(
      ctx,
      node,
      key,
      `'${v}' is not written plainly (a '.' or '//' in it, or '..' after a name)`,
      `write the path it means${plain === '.' ? ' (here the cwd itself, which the sandbox already allows)' : `: ${v.startsWith('~/') ? '~' + plain : plain}`}`,
    );
  }
  const path = v.startsWith('~') ? resolve(home, tail.slice(1)) : resolve(cwd, tail);
  const real = realpathOr(path);
  const realHome = realpathOr(home);
  const hint =
    'Landlock can only allow: every path below this one would be open to the agent, which undoes the sandbox; list the directories the agent needs (e.g. ~/.claude)';
  if (real === '/' || path === '/') fail(ctx, node, key, `'${v}' is the root directory /`, hint);
  if (holds(path, home) || holds(real, realHome)) {
    fail(ctx, node, key, `'${v}' ${path === home || real === realHome ? 'is' : 'holds'} your home directory ${home}`, hint);
  }
  return path;
}

function pathList(ctx: Ctx, node: Node | null | undefined, key: string, cwd: string, home: string): string[] {
  if (isScalar(node) && node.source === '~') return [sandboxPath(ctx, node, key, cwd, home)];
  if (!node || isEmpty(node)) return [];
  if (!isSeq(node)) fail(ctx, node, key, 'must be a list of paths', `e.g. ${key.split('.').pop()}: [~/.claude, ../shared-out]`);
  return node.items.map((n, i) => sandboxPath(ctx, n as Node, `${key}[${i}]`, cwd, home));
}

function ports(ctx: Ctx, node: Node | null | undefined, key: string): number[] {
  if (!node || isEmpty(node)) return [];
  if (!isSeq(node)) fail(ctx, node, key, 'must be a list of TCP ports', `e.g. ${key.split('.').pop()}: [443, 11434]`);
  return node.items.map((n, i) => int(ctx, n as Node, `${key}[${i}]`, 1, 65535));
}

/** `network:` -> null (all), or the only ports allowed; `none` is no port at all. */
function network(ctx: Ctx, node: Node, key: string): SandboxConfig['network'] {
  const hint = 'none, all, or { connect: [443], bind: [] } for the TCP ports the agent may use';
  if (isScalar(node)) {
    if (node.value === 'all') return null;
    if (node.value === 'none') return { connect: [], bind: [] };
    fail(ctx, node, key, `must be none, all or a mapping of connect and bind ports (got ${JSON.stringify(node.value)})`, hint);
  }
  if (!isMap(node)) fail(ctx, node, key, 'must be none, all or a mapping of connect and bind ports', hint);
  const e = entries(ctx, node, key, ['connect', 'bind']);
  return { connect: ports(ctx, e.get('connect')?.value, `${key}.connect`), bind: ports(ctx, e.get('bind')?.value, `${key}.bind`) };
}

/** Parses an agent's `sandbox:` (absent: the defaults; the scalar `off`: mode off). */
export function parseSandbox(ctx: Ctx, node: Node | null | undefined, key: string, cwd: string, home = homedir()): SandboxConfig {
  if (!node) return { ...SANDBOX_DEFAULTS };
  if (isScalar(node) && node.value !== null) {
    if (node.value === 'off') return { ...SANDBOX_DEFAULTS, mode: 'off' };
    fail(
      ctx,
      node,
      key,
      `must be a mapping, or off (got ${JSON.stringify(node.value)})`,
      typeof node.value === 'boolean'
        ? 'write sandbox: off to run the agent without a sandbox, or sandbox: { mode: required } to insist on one'
        : 'e.g. sandbox: { mode: required, write: [../shared-out] }, or sandbox: off',
    );
  }
  const e = entries(ctx, node, key, ['mode', 'read', 'write', 'network', 'unix_sockets']);
  const get = (k: string) => e.get(k)?.value;
  return {
    mode: get('mode') ? oneOf(ctx, get('mode'), `${key}.mode`, ['required', 'best-effort', 'off'] as const) : SANDBOX_DEFAULTS.mode,
    read: pathList(ctx, get('read'), `${key}.read`, cwd, home),
    write: pathList(ctx, get('write'), `${key}.write`, cwd, home),
    network: get('network') ? network(ctx, get('network')!, `${key}.network`) : null,
    unixSockets: get('unix_sockets') ? oneOf(ctx, get('unix_sockets'), `${key}.unix_sockets`, ['deny', 'allow'] as const) : SANDBOX_DEFAULTS.unixSockets,
  };
}

function memory(ctx: Ctx, node: Node, key: string): number {
  const v = isScalar(node) ? node.value : undefined;
  const bytes = typeof v === 'number' ? v : typeof v === 'string' ? parseSize(v) : undefined;
  const hint = 'a size like 2G, 512M or 100K (binary multiples), or a number of bytes';
  if (bytes === undefined || !Number.isSafeInteger(bytes)) {
    if (typeof v === 'string' && /^\s*-/.test(v)) fail(ctx, node, key, `must be more than 0 (got ${v})`, hint);
    fail(ctx, node, key, `must be a size (got ${JSON.stringify(v)})`, hint);
  }
  if (bytes <= 0) fail(ctx, node, key, `must be more than 0 (got ${String(v)})`, hint);
  return bytes;
}

/** Parses an agent's `limits:` (absent: no limits). */
export function parseLimits(ctx: Ctx, node: Node | null | undefined, key: string): Limits {
  if (!node) return { ...NO_LIMITS };
  const e = entries(ctx, node, key, ['memory', 'pids', 'cpu_time', 'open_files']);
  const get = (k: string) => e.get(k)?.value;
  return {
    memoryBytes: get('memory') ? memory(ctx, get('memory')!, `${key}.memory`) : null,
    pids: get('pids') ? int(ctx, get('pids'), `${key}.pids`, 1, 4_194_304) : null,
    // RLIMIT_CPU counts whole seconds: a fraction rounds up rather than to nothing.
    cpuTimeSec: get('cpu_time') ? Math.ceil(duration(ctx, get('cpu_time'), `${key}.cpu_time`, 1000, 365 * 86_400_000) / 1000) : null,
    openFiles: get('open_files') ? int(ctx, get('open_files'), `${key}.open_files`, 16, 1_048_576) : null,
  };
}

/** A user of /etc/passwd. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const fields = (text: string): string[][] =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));

/** The user named `who` (a name, or a uid as a number or digits) in /etc/passwd text; undefined when there is none. */
export function findUser(passwd: string, who: string | number): PasswdEntry | undefined {
  const byId = typeof who === 'number' || /^\d+$/.test(who);
  const f = fields(passwd).find((r) => r.length >= 7 && (byId ? Number(r[2]) === Number(who) : r[0] === who));
  return f && { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! };
}

/** The gid of the group named `which` (a name, or a gid) in /etc/group text; undefined when there is none. */
export function findGroup(group: string, which: string | number): number | undefined {
  const byId = typeof which === 'number' || /^\d+$/.test(which);
  const f = fields(group).find((r) => r.length >= 4 && (byId ? Number(r[2]) === Number(which) : r[0] === which));
  return f && Number(f[2]);
}

/** What initgroups(user, gid) sets: `gid` and every group of /etc/group that lists `user` as a member. */
export function groupsOf(group: string, user: string, gid: number): number[] {
  const member = fields(group)
    .filter((r) => r.length >= 4 && r[3]!.split(',').includes(user))
    .map((r) => Number(r[2]));
  return [...new Set([gid, ...member])].sort((a, b) => a - b);
}

/** Where parseRunAs reads users and groups (tests point it elsewhere). */
export interface UserDb {
  passwd: string;
  group: string;
  /** The effective uid of agor itself. */
  euid: number;
}

const systemUsers = (): UserDb => ({ passwd: readFileSync('/etc/passwd', 'utf8'), group: readFileSync('/etc/group', 'utf8'), euid: process.geteuid?.() ?? -1 });

/**
 * Parses an agent's `user:` and `group:` (NAME or number) into who it runs as; null when
 * neither is given. Only root can switch users, so anyone else is refused here, not at spawn.
 */
export function parseRunAs(
  ctx: Ctx,
  userNode: Node | null | undefined,
  groupNode: Node | null | undefined,
  key: string,
  db: () => UserDb = systemUsers,
): RunAs | null {
  if (!userNode && !groupNode) return null;
  const first = userNode ? 'user' : 'group';
  const spec = (node: Node, k: string): string | number => {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && v.trim() !== '') return v;
    fail(ctx, node, `${key}.${k}`, `must be a ${k} name or a numeric ${k === 'user' ? 'uid' : 'gid'}`);
  };
  const u = userNode ? spec(userNode, 'user') : undefined;
  const g = groupNode ? spec(groupNode, 'group') : undefined;
  const users = db();
  if (users.euid !== 0) {
    fail(
      ctx,
      userNode ?? groupNode,
      `${key}.${first}`,
      `needs agor to run as root`,
      `only root can start a process as another user: run agor up as root, or remove ${first}:`,
    );
  }
  const entry = findUser(users.passwd, u ?? users.euid);
  if (!entry) fail(ctx, userNode, `${key}.user`, `no user ${JSON.stringify(u)} in /etc/passwd`, 'create the user (useradd), or name one that exists');
  let gid = entry.gid;
  if (g !== undefined) {
    const found = findGroup(users.group, g);
    if (found === undefined)
      fail(ctx, groupNode, `${key}.group`, `no group ${JSON.stringify(g)} in /etc/group`, 'create the group (groupadd), or name one that exists');
    gid = found;
  }
  return { user: entry.name, uid: entry.uid, gid, groups: groupsOf(users.group, entry.name, gid), home: entry.home };
}
