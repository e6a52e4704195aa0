/** What the machine offers in cgroups, read from /proc and probed once: see detectCgroups. */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** The v1 controllers agor uses: memory and pids for limits, freezer to kill without races. */
export const V1_CONTROLLERS = ['memory', 'pids', 'freezer'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/** One cgroup hierarchy as this process sees it. */
export interface Hierarchy {
  /** Where the hierarchy is mounted. */
  mount: string;
  /** Our own cgroup's path inside the hierarchy, as /proc/self/cgroup gives it. */
  own: string;
  /** Our own cgroup's directory: the base under which agor makes its cgroups. */
  dir: string;
  /** True when a child cgroup could be made (and removed) in `dir`. */
  writable: boolean;
  /** Why this hierarchy cannot be used, else null. */
  why: string | null;
}

export interface V2Hierarchy extends Hierarchy {
  /** cgroup.controllers of our own cgroup: what it may hand to children. */
  controllers: string[];
  /** cgroup.subtree_control of our own cgroup: what its children have now. */
  subtreeControl: string[];
  /** memory and pids, where agents' cgroups can have them (enabled now, or can be). */
  delegable: string[];
  /** A child cgroup has cgroup.kill (kernel 5.14+) / cgroup.freeze (5.2+). */
  cgroupKill: boolean;
  cgroupFreeze: boolean;
}

/** What detectCgroups found. */
export interface CgroupSupport {
  /** Which kinds of hierarchy are mounted: both is 'hybrid'. */
  version: 'v2' | 'v1' | 'hybrid' | 'none';
  /** Base directory in which per-agent cgroups are made for membership and kill (v2 preferred); null: no cgroups. */
  membership: string | null;
  memory: 'v2' | 'v1' | null;
  pids: 'v2' | 'v1' | null;
  /** How killAll ends every member: atomically, by freezing first, or by SIGKILL until empty. */
  kill: 'cgroup.kill' | 'freezer' | 'signals';
  /** Base directory of the freezer killAll uses (the v2 one or v1's), when kill is 'freezer'. */
  freezer: string | null;
  /** Why there are no cgroups, or why a controller is missing; null when all is there. */
  why: string | null;
  /** For agor doctor: each hierarchy found. */
  v2: V2Hierarchy | null;
  v1: Record<V1Controller, Hierarchy | null>;
}

interface Mount {
  root: string;
  point: string;
  type: string;
  options: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The cgroup and cgroup2 mounts listed in /proc/self/mountinfo text. */
export function cgroupMounts(mountinfo: string): Mount[] {
  const out: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const [type, , superOptions] = line.slice(dash + 3).split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    out.push({ root: unescape(left[3]!), point: unescape(left[4]!), type, options: (superOptions ?? '').split(',') });
  }
  return out;
}

/** /proc/self/cgroup text as { v2 path, v1 path per controller }. */
export function ownPaths(procCgroup: string): { v2: string | null; v1: Map<string, string> } {
  let v2: string | null = null;
  const v1 = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') v2 = m[3]!;
    else for (const c of m[2]!.split(',')) v1.set(c, m[3]!);
  }
  return { v2, v1 };
}

/** Our cgroup's directory in a mount, or null when the mount does not show it (another namespace's subtree). */
function dirIn(mount: Mount, own: string): string | null {
  if (own.startsWith('/..')) return null;
  const rel = mount.root === '/' ? own : own === mount.root || own.startsWith(`${mount.root}/`) ? own.slice(mount.root.length) : null;
  return rel === null ? null : join(mount.point, rel).replace(/(.)\/+$/, '$1');
}

const words = (file: string): string[] => {
  try {
    return readFileSync(file, 'latin1').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
};

/**
 * Makes and removes a child cgroup in `dir`: the only sure test of whether we may (mode
 * bits say nothing of delegation or a read-only mount). Returns the files the child had.
 */
function probe(dir: string): { error: string | null; files: (name: string) => boolean } {
  const child = join(dir, `agor-probe.${process.pid}`);
  try {
    mkdirSync(child);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'EEXIST') return { error: `cannot create a cgroup in ${dir}: ${e.code ?? e.message}`, files: () => false };
  }
  const seen = new Set(['cgroup.kill', 'cgroup.freeze'].filter((f) => existsSync(join(child, f))));
  let error: string | null = null;
  try {
    // A new process joins by writing cgroup.procs; moving needs write access there too.
    accessSync(join(dir, 'cgroup.procs'), constants.W_OK);
  } catch {
    error = `cannot move processes in ${dir}: cgroup.procs is not writable`;
  }
  try {
    rmdirSync(child);
  } catch {
    /* a probe left behind is empty and harmless; the next probe reuses it */
  }
  return { error, files: (f) => seen.has(f) };
}

/** The v2 hierarchy, with what our own cgroup may hand to agents' cgroups. */
function detectV2(mount: Mount, own: string): V2Hierarchy {
  const dir = dirIn(mount, own);
  if (dir === null) {
    const why = `our cgroup ${own} is outside the cgroup2 mount at ${mount.point}`;
    return { mount: mount.point, own, dir: '', writable: false, why, controllers: [], subtreeControl: [], delegable: [], cgroupKill: false, cgroupFreeze: false };
  }
  const controllers = words(join(dir, 'cgroup.controllers'));
  const subtreeControl = words(join(dir, 'cgroup.subtree_control'));
  const p = probe(dir);
  // A controller reaches agents' cgroups if our cgroup enables it for its children, or
  // can: the root cgroup always, another only while it holds no process of its own.
  const canEnable = own === '/' || words(join(dir, 'cgroup.procs')).length === 0;
  const delegable = ['memory', 'pids'].filter((c) => subtreeControl.includes(c) || (controllers.includes(c) && canEnable));
  return {
    mount: mount.point,
    own,
    dir,
    writable: p.error === null,
    why: p.error,
    controllers,
    subtreeControl,
    delegable,
    cgroupKill: p.files('cgroup.kill'),
    cgroupFreeze: p.files('cgroup.freeze'),
  };
}

function detectV1(mounts: Mount[], controller: V1Controller, own: string | undefined): Hierarchy | null {
  const mount =
    mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller) && m.root === '/') ??
    mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller));
  if (!mount) return null;
  const dir = own === undefined ? null : dirIn(mount, own);
  if (dir === null) return { mount: mount.point, own: own ?? '', dir: '', writable: false, why: `our ${controller} cgroup is not visible under ${mount.point}` };
  const p = probe(dir);
  return { mount: mount.point, own: own!, dir, writable: p.error === null, why: p.error };
}

/** Why a v2 controller is not handed to agents, for `why`. */
function v2Missing(v2: V2Hierarchy, c: string): string {
  if (!v2.controllers.includes(c)) return `the cgroup v2 ${v2.own} does not offer ${c} (controllers: ${v2.controllers.join(' ') || 'none'})`;
  return `the cgroup v2 ${v2.own} holds processes, so it cannot enable ${c} for children (run agor in a delegated cgroup with ${c} in cgroup.subtree_control)`;
}

/**
 * What this machine offers agor in cgroups: which hierarchies are mounted (/proc/self/mountinfo),
 * where our own cgroup is in each (/proc/self/cgroup), whether we can make child cgroups there
 * (probed by making and removing one), and so which one serves membership and kill, memory and
 * pids limits. Changes nothing on the machine.
 */
export function detectCgroups(read: { mountinfo?: string; cgroup?: string } = {}): CgroupSupport {
  const text = (f: string): string => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const mounts = cgroupMounts(read.mountinfo ?? text('/proc/self/mountinfo'));
  const own = ownPaths(read.cgroup ?? text('/proc/self/cgroup'));
  const v2mount = mounts.find((m) => m.type === 'cgroup2');
  const v2 = v2mount && own.v2 !== null ? detectV2(v2mount, own.v2) : null;
  const v1 = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, detectV1(mounts, c, own.v1.get(c))])) as Record<V1Controller, Hierarchy | null>;
  const anyV1 = mounts.some((m) => m.type === 'cgroup');
  const version = v2mount && anyV1 ? 'hybrid' : v2mount ? 'v2' : anyV1 ? 'v1' : 'none';

  const why: string[] = [];
  const usable = (h: Hierarchy | null): h is Hierarchy => h !== null && h.writable;
  const v2ok = usable(v2) ? v2 : null;
  const v1Base = [v1.freezer, v1.pids, v1.memory].find(usable) ?? null;
  const membership = v2ok?.dir ?? v1Base?.dir ?? null;
  if (version === 'none') why.push('no cgroup hierarchy is mounted');
  else if (membership === null) why.push([v2?.why, ...V1_CONTROLLERS.map((c) => v1[c]?.why)].filter(Boolean).join('; ') || 'no usable cgroup hierarchy');

  const pick = (c: 'memory' | 'pids'): 'v2' | 'v1' | null => {
    if (v2ok?.delegable.includes(c)) return 'v2';
    const h: Hierarchy | null = v1[c];
    if (h?.writable) return 'v1';
    const v1why = h ? h.why : `no v1 ${c} hierarchy mounted`;
    why.push(`no ${c} controller: ${[v2 && v2Missing(v2, c), v1why].filter(Boolean).join('; ')}`);
    return null;
  };
  const memory = membership === null ? null : pick('memory');
  const pids = membership === null ? null : pick('pids');

  let kill: CgroupSupport['kill'] = 'signals';
  let freezer: string | null = null;
  if (v2ok?.cgroupKill) kill = 'cgroup.kill';
  else if (v2ok?.cgroupFreeze) ((kill = 'freezer'), (freezer = v2ok.dir));
  else if (membership !== null && v1.freezer?.writable) ((kill = 'freezer'), (freezer = v1.freezer.dir));
  else if (membership !== null) why.push('neither cgroup.kill nor a freezer: stopping an agent signals its members until none is left');

  return { version, membership, memory, pids, kill, freezer, why: why.length ? why.join('; ') : null, v2, v1 };
}
