import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { findExecutable } from './exec.js';
import { type Limits, type RunAs, type SandboxConfig, formatSize } from './policy.js';

/** What the planner needs of an agent's configuration. */
export interface PlanAgent {
  sandbox: SandboxConfig;
  limits: Limits;
  runAs: RunAs | null;
  cwd: string;
  env: Record<string, string>;
}

/** What the kernel offers, as `agor-sandbox --probe` reports it. */
export interface Probe {
  landlockAbi: number;
  seccomp: boolean;
  /** The probe's landlock_unavailable: why there is no Landlock, when there is none. */
  landlockUnavailable?: string | null;
}

/** The one JSON line of `agor-sandbox --probe` -> a Probe; throws on anything else. */
export function parseProbe(line: string): Probe {
  const j = JSON.parse(line) as { landlock_abi?: unknown; seccomp_filter?: unknown; landlock_unavailable?: unknown };
  if (typeof j.landlock_abi !== 'number' || typeof j.seccomp_filter !== 'boolean') throw new Error(`not an agor-sandbox --probe line: ${line.slice(0, 200)}`);
  return {
    landlockAbi: Math.max(0, j.landlock_abi),
    seccomp: j.seccomp_filter,
    landlockUnavailable: typeof j.landlock_unavailable === 'string' ? j.landlock_unavailable : null,
  };
}

/** The directories a run needs besides its cwd; all absolute, the last three real paths. */
export interface PlanPaths {
  /** The agent's own TMPDIR. */
  tmpdir: string;
  /** agor's data directory, holding the database and its -wal and -shm (which SQLite makes and removes there). */
  dataDir: string;
  /** realpath(process.execPath). */
  nodeBin: string;
  /** realpath of agor's package root. */
  agorRoot: string;
  /** The home directory of the user running agor. */
  home: string;
}

/** The agent's cgroups, and whether they enforce its memory and pids limits. */
export interface CgroupFacts {
  /** Directories the helper joins (--cgroup) before anything else. */
  dirs: string[];
  memory: boolean;
  pids: boolean;
}

export interface PlanInput {
  agent: PlanAgent;
  /** The agent's argv, the prompt already in place. */
  command: string[];
  probe: Probe;
  /** The path of agor-sandbox. */
  helper: string;
  paths: PlanPaths;
  cgroup: CgroupFacts;
  /** PATH to find command[0] on; default the agent's env PATH, else agor's own. */
  searchPath?: string;
  /** command[0] as already found on PATH by the caller, to save a second search. */
  program?: string;
  /** For tests that simulate an older kernel: passed on as --max-abi; `probe` must already reflect it. */
  maxAbi?: number;
  /** Default /etc/resolv.conf (tests point it elsewhere). */
  resolvConf?: string;
}

/** What a run gets, for the run record, `agor doctor` and the dashboard. */
export interface InForce {
  mode: SandboxConfig['mode'];
  /** The Landlock ABI applied; null when no Landlock policy is. */
  landlockAbi: number | null;
  /** The TCP ports allowed; null when the network is not restricted. */
  network: SandboxConfig['network'];
  unixSockets: 'deny' | 'allow';
  cgroup: boolean;
  memory: { bytes: number; via: 'cgroup' | 'rlimit' } | null;
  /** null when not set, or set but not enforceable here (see the warnings). */
  pids: { max: number; via: 'cgroup' | 'rlimit' } | null;
  cpuTimeSec: number | null;
  openFiles: number | null;
  user: string | null;
  /** One line, e.g. "landlock abi 7: fs, net connect 443; unix sockets denied; cgroup memory 2G pids 512", or "off". */
  summary: string;
}

export interface SandboxPlan {
  /** [helper, ...flags, '--', ...command]; empty when refused. */
  argv: string[];
  /** Variables to set in the agent's environment. */
  env: Record<string, string>;
  inForce: InForce;
  /** What the kernel or the machine could not give in best-effort mode; one line each. */
  warnings: string[];
  /** Why the agent must not start (mode required, or a listed path missing); null to go ahead. */
  refusal: string | null;
}

/** System paths an agent reads and runs programs from; those absent here are skipped. */
export const SYSTEM_READ = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/proc', '/dev'];
/** Devices every program writes to. */
export const DEVICE_WRITE = ['/dev/null', '/dev/tty', '/dev/pts', '/dev/ptmx'];

/** Where Landlock can restrict TCP ports. */
const NET_ABI = 4;

/** True when `dir` is `p` itself or one of its ancestors. */
const holds = (dir: string, p: string): boolean => dir === p || dir === '/' || p.startsWith(dir + sep);

const realpathOr = (p: string): string | undefined => {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
};

const unique = (xs: string[]): string[] => [...new Set(xs)];

function ports(n: NonNullable<SandboxConfig['network']>): string {
  const parts = [n.connect.length ? `connect ${n.connect.join(',')}` : '', n.bind.length ? `bind ${n.bind.join(',')}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : 'none';
}

/**
 * The helper argv, environment and record of one run of an agent: its sandbox policy (the
 * defaults plus what agor.yaml lists), limits and user, against what the kernel offers.
 * Pure but for looking up the paths it passes (existence, realpath, the program on PATH).
 */
export function sandboxPlan(input: PlanInput): SandboxPlan {
  const { agent, probe, paths, cgroup } = input;
  const sb = agent.sandbox;
  const lim = agent.limits;
  const warnings: string[] = [];
  const refusals: string[] = [];
  const flags: string[] = [];
  const required = sb.mode === 'required';
  /** best-effort: a warning; required: a reason to refuse. */
  const lacks = (what: string, fallback: string) => {
    if (required) refusals.push(`sandbox mode is required, but ${what}`);
    else warnings.push(`${what}: ${fallback}`);
  };

  if (input.maxAbi !== undefined) flags.push('--max-abi', String(input.maxAbi));
  if (required) flags.push('--required');
  for (const dir of cgroup.dirs) flags.push('--cgroup', dir);

  // Limits: the cgroup where it enforces one, else the rlimit that comes closest.
  const rlimits: string[] = [];
  let memory: InForce['memory'] = null;
  if (lim.memoryBytes !== null) {
    memory = { bytes: lim.memoryBytes, via: cgroup.memory ? 'cgroup' : 'rlimit' };
    // RLIMIT_DATA, not RLIMIT_AS: V8 reserves far more address space than it uses.
    if (!cgroup.memory) rlimits.push(`data=${lim.memoryBytes}`);
  }
  let pids: InForce['pids'] = null;
  if (lim.pids !== null) {
    if (cgroup.pids) pids = { max: lim.pids, via: 'cgroup' };
    else if (agent.runAs && agent.runAs.uid !== 0) {
      pids = { max: lim.pids, via: 'rlimit' };
      rlimits.push(`nproc=${lim.pids}`);
    } else {
      // RLIMIT_NPROC counts every process of the user, and root is exempt from it.
      const who = agent.runAs ? 'it does not bind root' : 'it would count every process of the user running agor';
      warnings.push(`limits.pids is not enforced: there is no pids cgroup, and RLIMIT_NPROC is no substitute (${who}); give the agent a user: of its own`);
    }
  }
  if (lim.cpuTimeSec !== null) rlimits.push(`cpu=${lim.cpuTimeSec}`);
  if (lim.openFiles !== null) rlimits.push(`nofile=${lim.openFiles}`);
  for (const r of rlimits) flags.push('--rlimit', r);

  const env: Record<string, string> = { TMPDIR: paths.tmpdir };
  const runAs = agent.runAs;
  if (runAs) {
    flags.push('--uid', String(runAs.uid), '--gid', String(runAs.gid), '--groups', runAs.groups.join(','));
    Object.assign(env, { HOME: runAs.home, USER: runAs.user, LOGNAME: runAs.user });
  }

  let landlockAbi: number | null = null;
  let network: SandboxConfig['network'] = null;
  let unixSockets: InForce['unixSockets'] = 'allow';
  if (sb.mode === 'off') flags.push('--no-landlock');
  else {
    if (probe.landlockAbi <= 0) {
      const why = probe.landlockUnavailable || 'it needs Linux 5.13 or later with landlock in the lsm= boot parameter';
      lacks(`the kernel has no Landlock (${why})`, 'the agent runs without a file or network sandbox');
      flags.push('--no-landlock');
    } else {
      landlockAbi = probe.landlockAbi;
      const policy = pathPolicy(input, refusals, warnings);
      for (const p of policy.read) flags.push('--read', p);
      for (const p of policy.write) flags.push('--write', p);
      if (sb.network && probe.landlockAbi < NET_ABI) {
        lacks(`network rules need Landlock ABI ${NET_ABI} and the kernel has ABI ${probe.landlockAbi}`, 'the network stays open');
      } else if (sb.network) {
        network = sb.network;
        flags.push('--net-restrict');
        for (const p of sb.network.connect) flags.push('--net-connect', String(p));
        for (const p of sb.network.bind) flags.push('--net-bind', String(p));
      }
    }
    if (sb.unixSockets === 'deny') {
      if (probe.seccomp) {
        unixSockets = 'deny';
        flags.push('--deny-unix-sockets');
      } else lacks('unix_sockets: deny needs seccomp filters and the kernel has none', 'Unix sockets stay open');
    }
  }

  const inForce: InForce = {
    mode: sb.mode,
    landlockAbi,
    network,
    unixSockets,
    cgroup: cgroup.dirs.length > 0,
    memory,
    pids,
    cpuTimeSec: lim.cpuTimeSec,
    openFiles: lim.openFiles,
    user: runAs?.user ?? null,
    summary: '',
  };
  inForce.summary = summarize(inForce);
  const refusal = refusals.length ? refusals.join('; ') : null;
  return { argv: refusal ? [] : [input.helper, ...flags, '--', ...input.command], env, inForce, warnings, refusal };
}

/** The --read and --write paths: the defaults (system ones where they exist), then the listed ones, each of which must exist. */
function pathPolicy(input: PlanInput, refusals: string[], warnings: string[]): { read: string[]; write: string[] } {
  const { agent, paths } = input;
  const realHome = realpathOr(paths.home) ?? paths.home;
  const listed = (key: 'read' | 'write') =>
    agent.sandbox[key].filter((p) => {
      const real = realpathOr(p);
      // Like systemd's "-" paths under best-effort: a tool's directory not made yet is no reason to stay down.
      if (real === undefined) {
        if (agent.sandbox.mode === 'required') refusals.push(`sandbox.${key}: ${p} does not exist (create it, or take it out of the list)`);
        else warnings.push(`sandbox.${key}: ${p} does not exist, so it is left out of the sandbox until it does`);
      }
      // agor.yaml was checked when read; a path made since may be a link to / or the home directory.
      else if (real === '/' || holds(real, realHome))
        refusals.push(`sandbox.${key}: ${p} leads to ${real}, which would open the whole ${real === '/' ? 'file system' : 'home directory'}`);
      return real !== undefined;
    });
  // cwd, TMPDIR and the data directory go in even if missing: the helper then fails naming
  // the path, where leaving one out would fail the agent later and more obscurely.
  const write = unique([agent.cwd, paths.tmpdir, paths.dataDir, ...DEVICE_WRITE.filter((p) => existsSync(p)), ...listed('write')]);
  const read = [...SYSTEM_READ, paths.nodeBin, paths.agorRoot];
  // Where agor's node_modules links out of its root (a checkout sharing an install), btmsg needs that too.
  const modules = realpathOr(join(paths.agorRoot, 'node_modules'));
  if (modules && !holds(paths.agorRoot, modules)) read.push(modules);
  // A resolv.conf that links out of /etc (systemd-resolved) is replaced by rename, so allow its directory, not the file.
  const resolv = realpathOr(input.resolvConf ?? '/etc/resolv.conf');
  if (resolv && !resolv.startsWith('/etc/')) read.push(dirname(resolv));
  const program = input.program ?? (input.command[0] && findExecutable(input.command[0], agent.cwd, input.searchPath ?? agent.env.PATH ?? process.env.PATH ?? ''));
  const real = program && realpathOr(program);
  if (real) read.push(real);
  const readList = unique(read.filter((p) => existsSync(p)).concat(listed('read'))).filter((p) => !write.includes(p));
  if (holds(agent.cwd, paths.home) || holds(realpathOr(agent.cwd) ?? agent.cwd, realHome)) {
    warnings.push(`the agent's cwd ${agent.cwd} holds the home directory ${paths.home}: the sandbox lets the agent write anything in it`);
  }
  return { read: readList, write };
}

function summarize(f: InForce): string {
  const parts: string[] = [];
  if (f.mode === 'off') parts.push('off');
  else {
    parts.push(f.landlockAbi === null ? 'no landlock' : `landlock abi ${f.landlockAbi}: fs, net ${f.network ? ports(f.network) : 'all'}`);
    parts.push(`unix sockets ${f.unixSockets === 'deny' ? 'denied' : 'allowed'}`);
  }
  if (f.cgroup) {
    const viaCgroup = [f.memory?.via === 'cgroup' ? `memory ${formatSize(f.memory.bytes)}` : '', f.pids?.via === 'cgroup' ? `pids ${f.pids.max}` : ''];
    parts.push(['cgroup', ...viaCgroup].filter(Boolean).join(' '));
  }
  const rl = [
    f.memory?.via === 'rlimit' ? `data ${formatSize(f.memory.bytes)}` : '',
    f.pids?.via === 'rlimit' ? `nproc ${f.pids.max}` : '',
    f.cpuTimeSec !== null ? `cpu ${f.cpuTimeSec}s` : '',
    f.openFiles !== null ? `nofile ${f.openFiles}` : '',
  ].filter(Boolean);
  if (rl.length) parts.push(`rlimit ${rl.join(' ')}`);
  if (f.user) parts.push(`user ${f.user}`);
  return parts.join('; ');
}
