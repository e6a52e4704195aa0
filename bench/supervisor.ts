// The supervisor's measurements (sections 7 and 8): what it costs to keep 100 idle
// service agents alive, agor's supervisor against pm2's God daemon (one after the
// other, each alone on the machine), and how long a crashed agent waits beyond its
// backoff before it runs again. Only the supervisor process is measured, never the
// agents: RSS from /proc/PID/status, CPU from /proc/PID/stat over the window.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { type Log, REPO, cleanEnv, tempDir } from './fixtures.js';
import { type Stats, stats } from './harness.js';

/** Idle service agents of section 7. */
export const IDLE_AGENTS = 100;
export const SLEEP_ARGV = ['sleep', '100000'];
/** Unmeasured seconds between "all agents run" and the window, so start-up is not counted. */
const SETTLE_SECONDS = 5;
/** Backoff of the crashing agent of section 8, in both supervisors. */
const BACKOFF_MS = 1000;
/** Targets: agor's RSS at most pm2's; agor's idle CPU under 1%; crash to restart under 100 ms beyond the backoff. */
export const RSS_RATIO_TARGET = 1.0;
export const IDLE_CPU_TARGET = 1.0;
export const RESTART_MEDIAN_TARGET_MS = 100;
/** agor / pm2 RSS of section 7 as `npm run bench -- --quick --only 7` measured it before agents ran sandboxed. */
export const RSS_RATIO_BEFORE_SANDBOX = 0.65;

const AGOR = join(REPO, 'dist', 'agor.cjs');

/** A short hash of the agor bundle under test, when it is built. */
export function agorBundleHash(): string | undefined {
  try {
    return createHash('sha256')
      .update(readFileSync(join(REPO, 'dist', 'agor.bundle.cjs')))
      .digest('hex')
      .slice(0, 12);
  } catch {
    return undefined;
  }
}

// ---- /proc ----

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the fields start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** A process that exists and is not a zombie. */
export const running = (pid: number): boolean => {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
};

function rssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const nulList = (path: string): string[] | undefined => {
  try {
    return readFileSync(path, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
};

const isIdleSleep = (pid: number): boolean => {
  const argv = nulList(`/proc/${pid}/cmdline`);
  return !!argv && argv.length === 2 && basename(argv[0]!) === SLEEP_ARGV[0] && argv[1] === SLEEP_ARGV[1];
};

/** Every live `sleep 100000` whose environment holds one of `marks` (exact NAME=value entries). */
function sleepsMarked(marks: string[]): number[] {
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === process.pid || !isIdleSleep(pid) || !running(pid)) continue;
    const env = nulList(`/proc/${pid}/environ`);
    if (env?.some((e) => marks.includes(e))) found.push(pid);
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProcessFigures {
  pid: number;
  /** Resident set size, kB, one sample a second. */
  rssKb: Stats;
  /** (utime + stime) over the window / wall time of the window, in percent of one core. */
  cpuPercent: number;
  cpuMs: number;
  wallSeconds: number;
}

/** Samples `pid` every second for `seconds`; throws when it dies during the window. */
export async function sampleProcess(pid: number, seconds: number): Promise<ProcessFigures> {
  const first = procStat(pid);
  if (!first || !running(pid)) throw new Error(`process ${pid} is not running`);
  const t0 = process.hrtime.bigint();
  const rss: number[] = [];
  for (let i = 1; ; i++) {
    const kb = rssKb(pid);
    if (kb === undefined || !running(pid)) throw new Error(`process ${pid} died during the measurement`);
    rss.push(kb);
    if (i > seconds) break;
    // Sample on the second from t0, not a second after the previous read, so the window does not drift.
    const due = t0 + BigInt(i) * 1_000_000_000n;
    await sleep(Math.max(0, Number(due - process.hrtime.bigint()) / 1e6));
  }
  const last = procStat(pid);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!last) throw new Error(`process ${pid} died during the measurement`);
  const cpuMs = ((last.ticks - first.ticks) * 1000) / CLK_TCK;
  return { pid, rssKb: stats(rss), cpuPercent: cpuMs / 10 / wallSeconds, cpuMs, wallSeconds };
}

// ---- running the supervisors ----

interface Out {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a set-up command with a time limit; `what` names it in errors. */
function run(what: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, file = process.execPath): Out {
  const r = spawnSync(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') throw new Error(`${what} did not return within ${timeoutMs / 1000} s`);
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function check(what: string, r: Out): string {
  if (r.status !== 0) {
    const how = r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
    const err = (r.stderr.trim() || r.stdout.trim()).slice(0, 800);
    throw new Error(`${what} failed (${how})${err ? `: ${err}` : ''}`);
  }
  return r.stdout;
}

function parseJson<T>(what: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${what} printed no valid JSON: ${text.slice(0, 300)}`);
  }
}

/** Tear-downs still owed, run synchronously when the benchmark is interrupted. */
export const pending = new Map<string, () => void>();

/** Stops any supervisor a section started and has not stopped yet (for SIGINT/SIGTERM). */
export function stopSupervisors(): void {
  for (const [, stop] of pending) {
    try {
      stop();
    } catch {
      // best effort on the way out
    }
  }
  pending.clear();
}

/** One supervisor under test: how to start it on a set of agents, inspect it and tear it down. */
interface Supervisor {
  name: 'agor' | 'pm2';
  dir: string;
  /** NAME=value entries that mark this run's agents in /proc/PID/environ. */
  marks: string[];
  /** Starts it; returns the supervisor's pid. */
  start(): number;
  /** Stops the agents and the supervisor; returns when its command returned. */
  stop(): void;
}

const token = () => randomBytes(8).toString('hex');

export function agorSupervisor(dir: string, agentsYaml: string): Supervisor & { db: string; env: NodeJS.ProcessEnv } {
  if (!existsSync(AGOR)) throw new Error('dist/agor.cjs is missing; run npm run build (npm run bench does it)');
  const db = join(dir, 'agor.db');
  const yamlPath = join(dir, 'agor.yaml');
  const mark = `AGOR_BENCH_RUN=${token()}`;
  writeFileSync(yamlPath, agentsYaml.replaceAll('@MARK@', mark.split('=')[1]!));
  // A private XDG tree, so nothing lands in the user's own data, state or runtime dirs.
  const xdg = Object.fromEntries(
    ['XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR'].map((k) => {
      const p = join(dir, 'xdg', k.slice(4, -5).toLowerCase());
      mkdirSync(p, { recursive: true, mode: 0o700 });
      return [k, p];
    }),
  );
  const env = cleanEnv({ ...xdg, AGOR_BENCH_RUN: mark.split('=')[1]! });
  return {
    name: 'agor',
    dir,
    db,
    env,
    marks: [mark, `AGOR_DB=${db}`],
    start() {
      const out = check('agor up -d', run('agor up -d', [AGOR, 'up', '-d', '-f', yamlPath, '--db', db, '--json'], env, 60_000));
      const up = parseJson<{ pid?: unknown }>('agor up -d --json', out);
      if (typeof up.pid !== 'number') throw new Error(`agor up -d --json printed no pid: ${out.slice(0, 300)}`);
      return up.pid;
    },
    stop() {
      check('agor down', run('agor down', [AGOR, 'down', '--db', db], env, 120_000));
    },
  };
}

const require = createRequire(import.meta.url);

function pm2Bin(): string {
  try {
    return join(require.resolve('pm2/package.json').replace(/package\.json$/, ''), 'bin', 'pm2');
  } catch {
    throw new Error('pm2 is not installed; run npm install (it is a devDependency)');
  }
}

interface Pm2App {
  name: string;
  script: string;
  args: string[];
  interpreter: 'none';
  autorestart: true;
  env: Record<string, string>;
  restart_delay?: number;
  max_restarts?: number;
  min_uptime?: number;
}

function pm2Supervisor(dir: string, apps: Pm2App[]): Supervisor & { home: string; env: NodeJS.ProcessEnv; bin: string } {
  const bin = pm2Bin();
  // A private PM2_HOME: the user's ~/.pm2 (and a daemon they may run) is never touched.
  const home = join(dir, 'pm2');
  mkdirSync(home, { recursive: true });
  // pm2 phones version.pm2.io on its first start in a home without this file, and daily after.
  writeFileSync(join(home, 'touch'), String(Date.now()));
  const mark = `AGOR_BENCH_RUN=${token()}`;
  const env = cleanEnv({
    PM2_HOME: home,
    PM2_DISABLE_VERSION_CHECK: '1',
    PM2_LOG_DATE_FORMAT: 'YYYY-MM-DDTHH:mm:ss.SSS',
    AGOR_BENCH_RUN: mark.split('=')[1]!,
  });
  const eco = join(dir, 'ecosystem.json');
  writeFileSync(eco, JSON.stringify({ apps: apps.map((a) => ({ ...a, env: { ...a.env, AGOR_BENCH_RUN: mark.split('=')[1]! } })) }, null, 2));
  const kill = () => check('pm2 kill', run('pm2 kill', [bin, 'kill'], env, 120_000));
  return {
    name: 'pm2',
    dir,
    home,
    env,
    bin,
    marks: [mark, `PM2_HOME=${home}`],
    start() {
      check('pm2 start', run('pm2 start', [bin, 'start', eco], env, 120_000));
      const pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${join(home, 'pm2.pid')}`);
      return pid;
    },
    stop() {
      // pm2 kill stops every app and then the daemon; only ever this run's daemon, through PM2_HOME.
      if (existsSync(join(home, 'pm2.pid')) || existsSync(join(home, 'rpc.sock'))) kill();
    },
  };
}

export interface Agents {
  /** Agents running with a pid, as the supervisor itself reports them. */
  running: number;
  pids: number[];
  /** How many agents the supervisor lists in each state. */
  states: Record<string, number>;
}

const tally = (states: string[]): Record<string, number> => {
  const t: Record<string, number> = {};
  for (const s of states) t[s] = (t[s] ?? 0) + 1;
  return t;
};

/**
 * Agents with a pid in state `running` (or, with `quietToo`, `idle`: agor's name for a
 * running agent that has printed nothing for a minute, as a sleep does), per agor ps.
 */
export function agorAgents(s: ReturnType<typeof agorSupervisor>, quietToo: boolean): Agents {
  const list = parseJson<{ id: string; state: string; pid: number | null }[]>(
    'agor ps --json',
    check('agor ps', run('agor ps', [AGOR, 'ps', '--db', s.db, '--json'], s.env, 60_000)),
  );
  if (!Array.isArray(list)) throw new Error('agor ps --json printed no array');
  const up = list.filter((a) => (a.state === 'running' || (quietToo && a.state === 'idle')) && typeof a.pid === 'number' && a.pid > 0);
  return { running: up.length, pids: up.map((a) => a.pid!), states: tally(list.map((a) => a.state)) };
}

interface Pm2Entry {
  name: string;
  pid: number;
  pm2_env: { status: string; restart_time: number; pm_uptime: number };
}

function pm2List(s: ReturnType<typeof pm2Supervisor>): Pm2Entry[] {
  const list = parseJson<Pm2Entry[]>('pm2 jlist', check('pm2 jlist', run('pm2 jlist', [s.bin, 'jlist'], s.env, 60_000)));
  if (!Array.isArray(list)) throw new Error('pm2 jlist printed no array');
  return list;
}

function pm2Agents(s: ReturnType<typeof pm2Supervisor>): Agents {
  const list = pm2List(s);
  const up = list.filter((a) => a.pm2_env?.status === 'online' && a.pid > 0);
  return { running: up.length, pids: up.map((a) => a.pid), states: tally(list.map((a) => a.pm2_env?.status ?? '?')) };
}

/** Polls `look` until `want` agents run (each pid a live `sleep 100000`), or throws after `timeoutMs`. */
export async function waitForAgents(what: string, look: () => Agents, want: number, timeoutMs: number): Promise<Agents> {
  const t0 = Date.now();
  let last: Agents;
  for (;;) {
    last = look();
    const live = last.pids.filter((p) => running(p) && isIdleSleep(p)).length;
    if (last.running === want && live === want) return last;
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(
        `${what}: ${last.running} of ${want} agents running after ${timeoutMs / 1000} s (${live} of them a live sleep process; states ${JSON.stringify(last.states)})`,
      );
    }
    await sleep(500);
  }
}

/** Waits for `pid` to be gone (up to `ms`); true when it is. */
export async function gone(pid: number, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (running(pid)) {
    if (Date.now() - t0 > ms) return false;
    await sleep(100);
  }
  return true;
}

/**
 * After a tear-down: this run's `sleep 100000` processes still alive, found by their
 * environment marks or among the pids the supervisor reported (when still a sleep).
 * Leftovers are killed; their number is returned.
 */
export async function sweepLeftovers(marks: string[], known: number[]): Promise<number> {
  const find = () => [...new Set([...sleepsMarked(marks), ...known.filter((p) => running(p) && isIdleSleep(p))])];
  // SIGKILL is delivered asynchronously; give the tear-down a moment to finish.
  let left = find();
  for (let i = 0; i < 30 && left.length; i++) {
    await sleep(100);
    left = find();
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left.length;
}

// ---- section 7 ----

export interface IdleRun {
  supervisor: 'agor' | 'pm2';
  /** Agents running with a pid, as the supervisor reported them before and after the window. */
  runningBefore: number;
  runningAfter?: number;
  /** The states the supervisor listed after the window. */
  statesAfter?: Record<string, number>;
  /** Of those, how many the environment marks found in /proc (they identify leftovers). */
  markedInProc: number;
  figures?: ProcessFigures;
  /** Set-up seconds: start to all agents running. */
  startSeconds?: number;
  /** Still running after the tear-down (killed by the benchmark); 0 is the only good answer. */
  leftovers: number;
  supervisorGone: boolean;
  error?: string;
}

export interface IdleSection {
  title: string;
  agents: number;
  seconds: number;
  settleSeconds: number;
  clockTicks: number;
  agor: IdleRun;
  pm2: IdleRun;
  /** median RSS agor / median RSS pm2. */
  rssRatio?: number;
  rssRatioMax?: number;
  rssTarget: number;
  rssPass?: boolean;
  /** The same ratio before the sandbox, for comparison. */
  rssRatioBeforeSandbox: number;
  cpuTarget: number;
  cpuPass?: boolean;
  notes: string[];
  ok: boolean;
}

const idleYaml = (n: number): string =>
  [
    'group: bench',
    'max_concurrent: 200',
    'agents:',
    ...agentIds(n).flatMap((id) => [
      `  ${id}:`,
      '    role: project',
      `    command: ${JSON.stringify(SLEEP_ARGV)}`,
      '    mode: service',
      '    env:',
      '      AGOR_BENCH_RUN: "@MARK@"',
    ]),
    '',
  ].join('\n');

const agentIds = (n: number) => Array.from({ length: n }, (_, i) => `a${String(i + 1).padStart(3, '0')}`);

const idleApps = (n: number): Pm2App[] =>
  agentIds(n).map((name) => ({ name, script: SLEEP_ARGV[0]!, args: SLEEP_ARGV.slice(1), interpreter: 'none', autorestart: true, env: {} }));

/**
 * Stops what a measurement started; a failure is added to `r.error` and logged, never
 * thrown, so the figures already taken are still reported.
 */
export function tearDown(stop: () => void, r: { error?: string }, label: string, log: Log): void {
  try {
    stop();
  } catch (e) {
    const msg = `tear-down failed: ${e instanceof Error ? e.message : String(e)}`;
    r.error = r.error ? `${r.error}; ${msg}` : msg;
    log(`!!! ${label}: ${msg}`);
  }
}

/**
 * Starts `sup` on the idle agents, checks that all run, lets it settle, samples the
 * supervisor process for `seconds`, and tears it down (always), sweeping leftovers.
 */
async function idleRun(sup: Supervisor, look: (after: boolean) => Agents, seconds: number, log: Log): Promise<IdleRun> {
  const r: IdleRun = { supervisor: sup.name, runningBefore: 0, markedInProc: 0, leftovers: 0, supervisorGone: false };
  let pid: number | undefined;
  let known: number[] = [];
  pending.set(sup.name, () => sup.stop());
  try {
    log(`  ${sup.name}: starting ${IDLE_AGENTS} idle agents …`);
    const t0 = Date.now();
    pid = sup.start();
    const agents = await waitForAgents(sup.name, () => look(false), IDLE_AGENTS, 60_000);
    r.startSeconds = (Date.now() - t0) / 1000;
    known = agents.pids;
    r.runningBefore = agents.running;
    const marked = new Set(sleepsMarked(sup.marks));
    r.markedInProc = agents.pids.filter((p) => marked.has(p)).length;
    log(`  ${sup.name}: ${agents.running} agents running (supervisor pid ${pid}); settling ${SETTLE_SECONDS} s, then sampling for ${seconds} s …`);
    await sleep(SETTLE_SECONDS * 1000);
    r.figures = await sampleProcess(pid, seconds);
    const after = look(true);
    // Alive by the supervisor's account and in /proc.
    r.runningAfter = after.pids.filter((p) => running(p) && isIdleSleep(p)).length;
    r.statesAfter = after.states;
    known = [...new Set([...known, ...after.pids])];
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
    log(`!!! ${sup.name}: ${r.error}`);
  } finally {
    log(`  ${sup.name}: tearing down …`);
    tearDown(() => sup.stop(), r, sup.name, log);
    pending.delete(sup.name);
    r.supervisorGone = pid === undefined || (await gone(pid, 10_000));
    if (!r.supervisorGone && pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    r.leftovers = await sweepLeftovers(sup.marks, known);
    if (r.leftovers) log(`!!! ${sup.name}: ${r.leftovers} sleep 100000 process(es) left after the tear-down (killed)`);
  }
  return r;
}

/** Section 7: the supervisor's own RSS and CPU with 100 idle service agents, agor then pm2. */
export async function idleSupervision(quick: boolean, log: Log): Promise<IdleSection> {
  const seconds = quick ? 15 : 60;
  log(`section 7: ${IDLE_AGENTS} idle service agents for ${seconds} s under agor, then under pm2 …`);
  const runOne = async (name: 'agor' | 'pm2'): Promise<IdleRun> => {
    const dir = tempDir(`supervise-${name}`);
    try {
      if (name === 'agor') {
        const s = agorSupervisor(dir, idleYaml(IDLE_AGENTS));
        return await idleRun(s, (after) => agorAgents(s, after), seconds, log);
      }
      const s = pm2Supervisor(dir, idleApps(IDLE_AGENTS));
      return await idleRun(s, () => pm2Agents(s), seconds, log);
    } catch (e) {
      // Could not even be set up (not built, not installed).
      const error = e instanceof Error ? e.message : String(e);
      log(`!!! ${name}: ${error}`);
      return { supervisor: name, runningBefore: 0, markedInProc: 0, leftovers: 0, supervisorGone: true, error };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const agor = await runOne('agor');
  const pm2 = await runOne('pm2');
  const a = agor.figures;
  const p = pm2.figures;
  const rssRatio = a && p ? a.rssKb.median / p.rssKb.median : undefined;
  const notes = [
    `RSS sampled once a second (VmRSS); CPU = (utime + stime) delta / wall time, CLK_TCK ${CLK_TCK}; the supervisor process only, not its agents`,
    `${SETTLE_SECONDS} s unmeasured after all agents run; nothing queries either supervisor during the window`,
    'pm2 as installed (its default 30 s worker and host-metrics collection on), version check off, private PM2_HOME',
    'agor runs each agent under the default sandbox: through agor-sandbox (Landlock, the seccomp filter), in a cgroup of its own per run',
    "running after the window: a live sleep 100000 that the supervisor lists as running (pm2: online; agor: running, or idle, which is agor's name for a running agent silent for a minute)",
  ];
  if (quick)
    notes.push(
      'both are Node processes whose RSS steps with their garbage collector: over a 15 s window the medians swing by up to a quarter between runs; quote the 60 s run',
    );
  for (const r of [agor, pm2])
    if (r.statesAfter)
      notes.push(
        `${r.supervisor} lists after the window: ${Object.entries(r.statesAfter)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`,
      );
  for (const r of [agor, pm2]) {
    if (r.figures && r.markedInProc !== IDLE_AGENTS)
      notes.push(`${r.supervisor}: only ${r.markedInProc} of ${IDLE_AGENTS} agents carry the run's environment mark; leftovers were also looked for by pid`);
  }
  const ok = [agor, pm2].every((r) => !r.error && r.leftovers === 0 && r.supervisorGone && r.runningAfter === IDLE_AGENTS);
  return {
    title: `Section 7 — idle supervision: ${IDLE_AGENTS} service agents (sleep 100000) for ${seconds} s, agor vs pm2 (the supervisor process alone)`,
    agents: IDLE_AGENTS,
    seconds,
    settleSeconds: SETTLE_SECONDS,
    clockTicks: CLK_TCK,
    agor,
    pm2,
    ...(rssRatio !== undefined ? { rssRatio, rssRatioMax: a!.rssKb.max / p!.rssKb.max, rssPass: rssRatio <= RSS_RATIO_TARGET } : {}),
    rssTarget: RSS_RATIO_TARGET,
    rssRatioBeforeSandbox: RSS_RATIO_BEFORE_SANDBOX,
    cpuTarget: IDLE_CPU_TARGET,
    // Judged as printed (two decimals): 0.999…% shows as 1.00% and is no pass.
    ...(a ? { cpuPass: Math.round(a.cpuPercent * 100) / 100 < IDLE_CPU_TARGET } : {}),
    notes,
    ok,
  };
}

// ---- section 8 ----

export interface LatencyRun {
  supervisor: 'agor' | 'pm2';
  /** Restarts measured (pairs of consecutive runs). */
  restarts: number;
  /** next start − previous end − the backoff waited, ms, per pair. */
  samples: number[];
  latency?: Stats;
  /** pm2 only: the same up to "online", after the spawn (agor records no such time). */
  spawnedSamples?: number[];
  spawned?: Stats;
  /** The backoff each restart waited, as the supervisor recorded it (agor) or configured (pm2). */
  delaysMs: number[];
  supervisorGone: boolean;
  error?: string;
}

export interface RestartSection {
  title: string;
  wanted: number;
  backoffMs: number;
  agor: LatencyRun;
  pm2: LatencyRun;
  target: number;
  pass?: boolean;
  notes: string[];
  ok: boolean;
}

const CRASH_ARGV = ['sh', '-c', 'exit 1'];

interface AgorRun {
  id: unknown;
  incarnation: number;
  pid: number | null;
  started_at: string;
  ended_at: string | null;
  exit_code: number | null;
  outcome: string | null;
  restart_delay_ms: number | null;
}

/** An ISO 8601 time stamp (as documented) or epoch milliseconds, as ms; NaN otherwise. */
const at = (v: string | number | null): number => (typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN);

/** Consecutive pairs (oldest first) → next.started_at − prev.ended_at − next.restart_delay_ms. */
export function agorRestartLatencies(runs: AgorRun[]): { samples: number[]; delays: number[] } {
  const ordered = [...runs].sort((a, b) => at(a.started_at) - at(b.started_at));
  const samples: number[] = [];
  const delays: number[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const prev = ordered[i - 1]!;
    const next = ordered[i]!;
    if (!prev.ended_at || next.restart_delay_ms === null || next.restart_delay_ms === undefined) continue;
    const ms = at(next.started_at) - at(prev.ended_at) - next.restart_delay_ms;
    if (!Number.isFinite(ms)) throw new Error(`agor runs --json: unreadable times in ${JSON.stringify(prev)} / ${JSON.stringify(next)}`);
    samples.push(ms);
    delays.push(next.restart_delay_ms);
  }
  return { samples, delays };
}

async function agorRestarts(wanted: number, log: Log): Promise<LatencyRun> {
  const r: LatencyRun = { supervisor: 'agor', restarts: 0, samples: [], delaysMs: [], supervisorGone: true };
  const dir = tempDir('restart-agor');
  let pid: number | undefined;
  try {
    const yaml = [
      'group: bench',
      'max_concurrent: 200',
      'agents:',
      '  crasher:',
      '    role: project',
      `    command: ${JSON.stringify(CRASH_ARGV)}`,
      '    mode: service',
      '    restart: { max_retries: 1000, backoff: 1s, backoff_cap: 1s, stable_after: 5m }',
      '',
    ].join('\n');
    const s = agorSupervisor(dir, yaml);
    pending.set('agor-restart', () => s.stop());
    try {
      log(`  agor: one agent that exits at once, until it has restarted ${wanted} times …`);
      pid = s.start();
      const limit = Date.now() + wanted * (BACKOFF_MS + 2000) + 30_000;
      let runs: AgorRun[] = [];
      for (;;) {
        await sleep(1000);
        runs = parseJson<AgorRun[]>(
          'agor runs --json',
          check('agor runs', run('agor runs', [AGOR, 'runs', 'crasher', '--db', s.db, '--json', '-n', '100'], s.env, 60_000)),
        );
        if (!Array.isArray(runs)) throw new Error('agor runs --json printed no array');
        const { samples } = agorRestartLatencies(runs);
        if (samples.length >= wanted) break;
        if (Date.now() > limit) throw new Error(`only ${samples.length} of ${wanted} restarts recorded in time (${runs.length} runs listed)`);
      }
      const { samples, delays } = agorRestartLatencies(runs);
      r.samples = samples.slice(0, wanted);
      r.delaysMs = delays.slice(0, wanted);
      r.restarts = r.samples.length;
      r.latency = stats(r.samples);
      const bad = runs.filter((x) => x.ended_at && x.exit_code !== 1);
      if (bad.length) throw new Error(`${bad.length} run(s) ended otherwise than with exit code 1: ${JSON.stringify(bad[0])}`);
    } finally {
      tearDown(() => s.stop(), r, 'agor', log);
      pending.delete('agor-restart');
      r.supervisorGone = pid === undefined || (await gone(pid, 10_000));
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    r.error = r.error ? `${msg}; ${r.error}` : msg;
    log(`!!! agor: ${msg}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

/**
 * pm2 keeps no history of runs, so its daemon log (pm2.log, with millisecond time
 * stamps through PM2_LOG_DATE_FORMAT) gives each "exited" of the app and the next
 * "starting" (logged before the spawn, like agor's started_at) and "online" (after it).
 * Returns, per restart, that time minus the delay, in ms.
 */
export function pm2RestartLatencies(logText: string, app: string, delayMs: number): { starting: number[]; online: number[] } {
  const re = new RegExp(`^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}): PM2 log: App \\[${app}:\\d+\\] (starting in|online|exited with code)`, 'gm');
  const out = { starting: [] as number[], online: [] as number[] };
  let exitAt: number | undefined;
  let started = false;
  for (const m of logText.matchAll(re)) {
    // No zone in the stamp: local time, like the daemon's clock; only differences matter.
    const t = new Date(m[1]!).getTime();
    if (m[2] === 'exited with code') ((exitAt = t), (started = false));
    else if (exitAt === undefined) continue;
    else if (m[2] === 'starting in' && !started) (out.starting.push(t - exitAt - delayMs), (started = true));
    else if (m[2] === 'online' && started) (out.online.push(t - exitAt - delayMs), (exitAt = undefined));
  }
  return out;
}

async function pm2Restarts(wanted: number, log: Log): Promise<LatencyRun> {
  const r: LatencyRun = { supervisor: 'pm2', restarts: 0, samples: [], delaysMs: [], supervisorGone: true };
  const dir = tempDir('restart-pm2');
  let pid: number | undefined;
  try {
    const app: Pm2App = {
      name: 'crasher',
      script: CRASH_ARGV[0]!,
      args: CRASH_ARGV.slice(1),
      interpreter: 'none',
      autorestart: true,
      env: {},
      restart_delay: BACKOFF_MS,
      // pm2 gives up after 16 "unstable" restarts (each shorter than min_uptime) by default.
      max_restarts: 1000,
      min_uptime: 0,
    };
    const s = pm2Supervisor(dir, [app]);
    pending.set('pm2-restart', () => s.stop());
    try {
      log(`  pm2: the same agent with restart_delay ${BACKOFF_MS} …`);
      pid = s.start();
      const logFile = join(s.home, 'pm2.log');
      const limit = Date.now() + wanted * (BACKOFF_MS + 2000) + 30_000;
      for (;;) {
        await sleep(1000);
        const seen = pm2RestartLatencies(readFileSync(logFile, 'utf8'), app.name, BACKOFF_MS);
        r.samples = seen.starting;
        r.spawnedSamples = seen.online;
        if (r.spawnedSamples.length >= wanted) break;
        if (Date.now() > limit) throw new Error(`only ${r.spawnedSamples.length} of ${wanted} restarts in pm2.log in time`);
      }
      r.samples = r.samples.slice(0, wanted);
      r.spawnedSamples = r.spawnedSamples.slice(0, wanted);
      r.spawned = stats(r.spawnedSamples);
      r.delaysMs = r.samples.map(() => BACKOFF_MS);
      r.restarts = r.samples.length;
      r.latency = stats(r.samples);
      const listed = pm2List(s).find((x) => x.name === app.name);
      if (!listed || listed.pm2_env.restart_time < wanted) throw new Error(`pm2 jlist shows ${listed?.pm2_env.restart_time ?? 'no'} restarts, the log ${wanted}`);
    } finally {
      tearDown(() => s.stop(), r, 'pm2', log);
      pending.delete('pm2-restart');
      r.supervisorGone = pid === undefined || (await gone(pid, 10_000));
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    r.error = r.error ? `${msg}; ${r.error}` : msg;
    log(`!!! pm2: ${msg}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

/** Section 8: how long past its backoff a crashed service agent waits to run again. */
export async function restartLatency(quick: boolean, log: Log): Promise<RestartSection> {
  const wanted = quick ? 5 : 12;
  log(`section 8: crash-to-restart latency, ${wanted} restarts with a ${BACKOFF_MS / 1000} s backoff, agor then pm2 …`);
  const agor = await agorRestarts(wanted, log);
  const pm2 = await pm2Restarts(wanted, log);
  return {
    title: `Section 8 — crash to restart: a service agent that exits at once (sh -c 'exit 1'), ${wanted} restarts, time beyond the ${BACKOFF_MS / 1000} s backoff`,
    wanted,
    backoffMs: BACKOFF_MS,
    agor,
    pm2,
    target: RESTART_MEDIAN_TARGET_MS,
    ...(agor.latency ? { pass: agor.latency.median < RESTART_MEDIAN_TARGET_MS } : {}),
    notes: [
      'agor: from agor runs --json, next.started_at − prev.ended_at − next.restart_delay_ms; started_at is stamped when agor',
      '  decides to start the run (before it writes the run and spawns), ended_at after it has noticed the exit and classified it',
      'pm2 (for context): restart_delay 1000, max_restarts 1000, min_uptime 0; from pm2.log (ms time stamps), "starting" (before',
      '  the spawn, like agor\'s started_at) − previous "exited" − 1000 ms; the "online" row adds the spawn itself',
    ],
    ok: [agor, pm2].every((r) => !r.error && r.supervisorGone && r.restarts === wanted),
  };
}
