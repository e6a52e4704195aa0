/**
 * Containment of runs: each run starts through the sandbox helper (Landlock, seccomp,
 * rlimits, another user) inside a cgroup of its own, so that nothing it starts outlives
 * it and its limits hold for the whole tree. The supervisor's one place for both.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { AgentCgroup, type CgroupSupport, detectCgroups, removeStale } from '../sandbox/cgroup.js';
import { type AgentConfig, findExecutable } from './config.js';
import { type Probe, parseProbe, sandboxPlan } from '../sandbox/plan.js';
import { formatSize } from '../sandbox/policy.js';

/**
 * The sandbox helper: $AGOR_SANDBOX_HELPER when set (and then only it), else the one
 * built beside agor's scripts (dist/agor-sandbox); null when it is missing.
 */
export function helperPath(script = process.argv[1], env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env.AGOR_SANDBOX_HELPER;
  if (given) return existsSync(given) ? given : null;
  if (!script) return null;
  try {
    const beside = join(dirname(realpathSync(script)), 'agor-sandbox');
    return existsSync(beside) ? beside : null;
  } catch {
    return null; // a script that is gone: no helper beside it
  }
}

/** agor's own installation: the directory holding dist/ (read and execute for agents, so btmsg runs inside). */
export function agorRoot(helper: string | null, script = process.argv[1]): string {
  const from = helper ?? (script ? realpathSync(script) : process.cwd());
  return realpathSync(dirname(dirname(from)));
}

/**
 * AGOR_SANDBOX_MAX_ABI=N makes agor act as on a kernel whose Landlock ABI is at most N
 * (0: none), through the helper's --max-abi: for tests of what older kernels get.
 */
export function maxAbiFlag(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env.AGOR_SANDBOX_MAX_ABI;
  return v !== undefined && /^\d{1,3}$/.test(v) ? ['--max-abi', v] : [];
}

/** What the kernel offers, as the helper reports it; null when it cannot say. */
export function probeKernel(helper: string | null): Probe | null {
  if (!helper) return null;
  const r = spawnSync(helper, [...maxAbiFlag(), '--probe'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return null;
  try {
    return parseProbe(r.stdout);
  } catch {
    return null;
  }
}

/** A probe for when the helper cannot say: nothing is offered. */
export const NO_PROBE: Probe = { landlockAbi: 0, seccomp: false, landlockUnavailable: 'the sandbox helper could not probe the kernel' };

/** The cgroup scope of one database: runs of two databases never share a tree. */
export const dbScope = (dbPath: string): string => createHash('sha256').update(dbPath).digest('hex').slice(0, 12);

/** A run's own cgroup name under the scope: the agent and the run. */
export const runCgroupName = (agent: string, runId: string): string => `${agent}.${runId.slice(0, 8)}`;

export interface Prepared {
  argv: string[];
  env: Record<string, string>;
  /** What confines the run, in one line (recorded with the run). */
  summary: string;
  /** Why the run must not start (mode required and the kernel lacks what is asked, a missing path…). */
  refusal: string | null;
  /** The program cannot be run at all (gone since start-up): as a failed spawn says it. */
  spawnError?: string | null;
  warnings: string[];
  cgroup: AgentCgroup | null;
}

export interface Confinement {
  cgroup: AgentCgroup | null;
  /** OOM kills and pids-limit hits of the run's cgroup before it started. */
  oomBefore: number;
  pidsBefore: number;
}

export interface ContainOptions {
  dbPath: string;
  dataDir: string;
  /** Overrides for tests; found from the running script otherwise. */
  helper?: string | null;
}

/** The containment of one supervisor: probes once, then prepares and ends runs. */
export class Containment {
  readonly helper: string | null;
  readonly probe: Probe | null;
  readonly cgroups: CgroupSupport;
  readonly scope: string;
  private readonly root: string;
  private readonly nodeBin = realpathSync(process.execPath);
  private readonly maxAbi: number | undefined;
  private readonly warned = new Set<string>();

  constructor(private readonly o: ContainOptions) {
    this.helper = o.helper === undefined ? helperPath() : o.helper;
    this.probe = probeKernel(this.helper);
    this.cgroups = detectCgroups();
    this.scope = dbScope(o.dbPath);
    this.root = agorRoot(this.helper);
    const cap = maxAbiFlag()[1];
    this.maxAbi = cap === undefined ? undefined : Number(cap);
  }

  /** Warnings to log for `agent`, each once per supervisor. */
  private once(agent: string, warnings: string[]): string[] {
    return warnings.filter((w) => {
      const key = `${agent}\0${w}`;
      if (this.warned.has(key)) return false;
      this.warned.add(key);
      return true;
    });
  }

  /** The run's cgroup, made and limited; null when the machine offers none. */
  private cgroupFor(a: AgentConfig, runId: string): AgentCgroup | null {
    if (this.cgroups.version === 'none') return null;
    const cg = AgentCgroup.open(this.cgroups, this.scope, runCgroupName(a.id, runId));
    // A limit whose controller is missing falls back to an rlimit (the plan's).
    cg.setLimits({ memoryBytes: this.cgroups.memory ? a.limits.memoryBytes : null, pids: this.cgroups.pids ? a.limits.pids : null });
    cg.resetPeak();
    return cg;
  }

  /** The per-agent TMPDIR, private to the agent (and owned by its user). */
  private tmpdir(a: AgentConfig): string {
    // The parent can be passed through (an agent of another user reaches its own) but not listed.
    const parent = join(this.o.dataDir, 'tmp');
    mkdirSync(parent, { recursive: true });
    chmodSync(parent, 0o711); // whatever the umask
    const dir = join(this.o.dataDir, 'tmp', a.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (a.runAs) chownSync(dir, a.runAs.uid, a.runAs.gid);
    return dir;
  }

  /** How to start one run of `a` whose plain invocation is `argv`/`env`. */
  prepare(a: AgentConfig, runId: string, argv: string[], env: Record<string, string>): Prepared {
    // The helper would only say so after an exec: the run then fails as a spawn does, with no process.
    const program = findExecutable(argv[0]!, a.cwd, env.PATH);
    if (!program) return { argv, env, summary: 'not started', refusal: null, spawnError: `${argv[0]}: ENOENT`, warnings: [], cgroup: null };
    const warnings: string[] = [];
    let cgroup: AgentCgroup | null = null;
    try {
      cgroup = this.cgroupFor(a, runId);
    } catch (err) {
      warnings.push(`no cgroup for this run (${(err as Error).message}); its children are contained by its process group only`);
    }
    if (!this.helper) {
      const fix = 'run npm run build (it needs a C compiler: apt-get install gcc), or set sandbox: off for this agent';
      if (a.sandbox.mode !== 'off') return { argv, env, summary: 'refused', refusal: `the sandbox helper agor-sandbox is missing; ${fix}`, warnings, cgroup };
      return { argv, env, summary: 'off (no helper)', refusal: null, warnings: this.once(a.id, warnings), cgroup };
    }
    const plan = sandboxPlan({
      agent: a,
      command: argv,
      probe: this.probe ?? NO_PROBE,
      helper: this.helper,
      paths: {
        tmpdir: this.tmpdir(a),
        dataDir: this.o.dataDir,
        nodeBin: this.nodeBin,
        agorRoot: this.root,
        home: homedir(),
      },
      program,
      cgroup: { dirs: cgroup?.dirs ?? [], memory: !!cgroup && this.cgroups.memory !== null, pids: !!cgroup && this.cgroups.pids !== null },
      ...(this.maxAbi !== undefined ? { maxAbi: this.maxAbi } : {}),
    });
    // Where no cgroup holds the run, the helper stays as its subreaper, so what it leaves behind still ends with it.
    const argvOut = !cgroup && plan.argv.length ? [plan.argv[0]!, '--reaper', ...plan.argv.slice(1)] : plan.argv;
    return {
      argv: argvOut,
      env: { ...env, ...plan.env },
      summary: cgroup ? plan.inForce.summary : `${plan.inForce.summary}; no cgroup: the helper reaps`,
      refusal: plan.refusal,
      warnings: this.once(a.id, [...warnings, ...plan.warnings]),
      cgroup,
    };
  }

  /** The cgroup of a run started earlier (re-adopted after a restart), if it still exists. */
  existing(agent: string, runId: string): AgentCgroup | null {
    const base = this.cgroups.membership;
    if (!base || !existsSync(join(base, `agor.${this.scope}`, runCgroupName(agent, runId)))) return null;
    return AgentCgroup.open(this.cgroups, this.scope, runCgroupName(agent, runId));
  }

  /** Ends and removes the cgroups of runs not in `keep`, left by a supervisor that crashed or by agor down. */
  async sweep(keep: string[]): Promise<void> {
    if (!this.cgroups.membership) return;
    await sweepScope(this.cgroups, this.scope, keep);
  }
}

/** Kills what is left in the cgroups of `scope` not named in `keep`, then removes them. */
export async function sweepScope(support: CgroupSupport, scope: string, keep: string[]): Promise<void> {
  const { busy } = removeStale(support, scope, keep);
  for (const name of busy) {
    const cg = AgentCgroup.open(support, scope, name);
    await cg.killAll(5000);
    cg.remove();
  }
  if (busy.length) removeStale(support, scope, keep);
}

/**
 * Ends what a run left in its cgroup once its main process has exited: SIGTERM to every
 * member, SIGKILL to all at `killAt` (a stop's deadline) or after `graceMs`; then the
 * cgroup goes. Nothing the run started (setsid, double fork, daemons) outlives it.
 */
export async function reapCgroup(cg: AgentCgroup, killAt: number | null, graceMs: number): Promise<void> {
  if (cg.members().length) {
    cg.signalAll('SIGTERM');
    const deadline = killAt ?? Date.now() + graceMs;
    while (cg.members().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (cg.members().length) await cg.killAll(5000);
  }
  cg.remove();
}

/** The counters of a run's cgroup when it started, to tell what its limits did during it. */
export interface LimitBaseline {
  oom: number;
  pids: number;
}

export const baseline = (cg: AgentCgroup | null): LimitBaseline => ({ oom: cg?.oomKills() ?? 0, pids: cg?.pidsMaxHits() ?? 0 });

const OOM_TEXT = /out of memory|cannot allocate memory|\bENOMEM\b|bad_alloc|allocation failed/i;
const NOFILE_TEXT = /\bEMFILE\b|too many open files/i;

/**
 * Which of the agent's limits ended a run, if one did: the cgroup's OOM kills and refused
 * forks, SIGXCPU for cpu_time, and where a limit is an rlimit, the failure it prints.
 */
export function limitHit(
  a: AgentConfig,
  cg: AgentCgroup | null,
  before: LimitBaseline,
  signal: string | null,
  tail: string | null,
  cgroupMemory: boolean,
): string | null {
  const l = a.limits;
  if (l.memoryBytes !== null) {
    const ooms = cg && cgroupMemory ? cg.oomKills() - before.oom : 0;
    if (ooms > 0) return `memory limit ${formatSize(l.memoryBytes)} reached: the kernel's OOM killer ended ${ooms} process${ooms === 1 ? '' : 'es'}`;
    if (!cgroupMemory && tail && OOM_TEXT.test(tail)) return `memory limit ${formatSize(l.memoryBytes)} (RLIMIT_DATA) reached: allocation refused`;
  }
  if (l.cpuTimeSec !== null && signal === 'SIGXCPU') return `cpu_time limit ${l.cpuTimeSec} s reached (SIGXCPU)`;
  if (l.pids !== null && cg) {
    const refused = cg.pidsMaxHits() - before.pids;
    if (refused > 0) return `pids limit ${l.pids} reached: ${refused} fork${refused === 1 ? '' : 's'} refused`;
  }
  if (l.openFiles !== null && tail && NOFILE_TEXT.test(tail)) return `open_files limit ${l.openFiles} reached (EMFILE)`;
  return null;
}

/** The helper's own failure to set the sandbox up (its exit 125 and its "agor-sandbox:" line), or null. */
export function helperFailure(st: { code: number | null }, tail: string | null): string | null {
  if (st.code !== 125 || !tail) return null;
  const line = tail
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('agor-sandbox: '));
  return line ? `the sandbox could not be set up: ${line.slice('agor-sandbox: '.length)}` : null;
}
