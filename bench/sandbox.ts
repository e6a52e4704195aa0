// Section 11: what the sandbox costs an agent's start. One supervisor runs two on-demand
// agents with the same command, `boxed` under the default policy (Landlock, the seccomp
// filter) and `open` with `sandbox: off`; both start through agor-sandbox in a cgroup of
// their own, so the difference is the policy itself. Each round wakes both over the
// control socket, in an order that alternates between rounds, and takes the time from
// just before the wake is sent to the wall clock the agent's own program reads first.
// The helper alone (spawnSync, no supervisor) is measured too, to show where time goes.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, rmdirSync } from 'node:fs';
import { type Socket, createConnection } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/supervisor/config.js';
import { detectCgroups } from '../src/sandbox/cgroup-detect.js';
import { agorRoot, dbScope, probeKernel } from '../src/supervisor/contain.js';
import { type Probe, sandboxPlan } from '../src/sandbox/plan.js';
import { type Log, REPO, tempDir } from './fixtures.js';
import { type Stats, differenceInterval, ratioInterval, stats } from './harness.js';
import { agorSupervisor, gone, pending, tearDown } from './supervisor.js';

/** Targets of the issue: the sandboxed start at most 1.10× the unsandboxed one, and under 10 ms more. */
export const SANDBOX_RATIO_TARGET = 1.1;
export const SANDBOX_ADDED_TARGET_MS = 10;

const HELPER = join(REPO, 'dist', 'agor-sandbox');
/** The agent program: it prints the wall clock (ns) at which it runs, into its log, and exits. */
const STAMP_ARGV = ['date', '+%s%N'];
/**
 * Rounds per --rounds: a wake costs tens of milliseconds, and a start's latency spreads
 * widely on a loaded machine, so the section takes more rounds than the process sections.
 */
export const SANDBOX_ROUNDS_FACTOR = 4;
const AGENTS = ['boxed', 'open'] as const;
type Agent = (typeof AGENTS)[number];
/** How long one wake may take, start to the end of its run, before the section gives up. */
const WAKE_TIMEOUT_MS = 30_000;

const yaml = (): string =>
  [
    'group: bench',
    'agents:',
    '  boxed:',
    '    role: project',
    `    command: ${JSON.stringify(STAMP_ARGV)}`,
    '    mode: on-demand',
    '    env:',
    '      AGOR_BENCH_RUN: "@MARK@"',
    '  open:',
    '    role: project',
    `    command: ${JSON.stringify(STAMP_ARGV)}`,
    '    mode: on-demand',
    '    sandbox: off',
    '    env:',
    '      AGOR_BENCH_RUN: "@MARK@"',
    '',
  ].join('\n');

export interface Latencies {
  /** Wake sent to the agent program running, ms, one per measured round (paired by round). */
  samples: number[];
  ms: Stats;
  /** What confined its last run, as the supervisor recorded it. */
  inForce: string | null;
}

export interface HelperFigures {
  name: string;
  argv: string[];
  samples: number[];
  ms: Stats;
}

export interface SandboxSection {
  title: string;
  rounds: number;
  warmup: number;
  boxed?: Latencies;
  open?: Latencies;
  /** median(boxed) / median(open), with the 90% bootstrap interval over rounds. */
  ratio?: { value: number; interval: [number, number]; target: number; pass: boolean };
  /** median(boxed) − median(open), ms, with its interval. */
  addedMs?: { value: number; interval: [number, number]; target: number; pass: boolean };
  /** The same program spawned bare, through the helper with no policy, and with the default policy. */
  helper?: HelperFigures[];
  /** The supervisor's planning of one run (sandboxPlan, in this process), ms, per agent. */
  planning?: { boxed: Stats; open: Stats };
  probe?: Probe;
  supervisorGone: boolean;
  /** Run cgroups of this database still present after agor down (each a directory; 0 is the only good answer). */
  leftoverCgroups: string[];
  /** The database's own cgroup scopes still present after agor down, empty. */
  leftoverScopes: string[];
  notes: string[];
  error?: string;
  ok: boolean;
}

/** Wall clock in ms with fractions, comparable to `date +%s%N`. */
const wallMs = (): number => performance.timeOrigin + performance.now();

type Message = { id?: unknown; ok?: boolean; result?: unknown; error?: { message?: string }; event?: string; [k: string]: unknown };

/** A JSON-lines client of the control socket: requests matched by id, events handed to a listener. */
export class Control {
  private buf = '';
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  onEvent: (e: Message) => void = () => undefined;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buf += chunk;
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line.trim()) this.receive(JSON.parse(line) as Message);
      }
    });
    sock.on('close', () => this.failAll(new Error('the control socket closed')));
    sock.on('error', (e) => this.failAll(e));
  }

  static connect(path: string): Promise<Control> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      sock.once('connect', () => resolve(new Control(sock)));
      sock.once('error', reject);
    });
  }

  private receive(m: Message): void {
    if (typeof m.event === 'string') return this.onEvent(m);
    const w = typeof m.id === 'number' ? this.waiting.get(m.id) : undefined;
    if (!w) return;
    this.waiting.delete(m.id as number);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(m.error?.message ?? JSON.stringify(m)));
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  /** Sends one request; `beforeSend` runs right before the bytes go out (for t0). */
  request(op: string, args: Record<string, unknown> = {}, beforeSend?: () => void): Promise<unknown> {
    const id = this.nextId++;
    const line = JSON.stringify({ id, op, ...args }) + '\n';
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      beforeSend?.();
      this.sock.write(line);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

/** The control socket's path from the lock row, once the supervisor says it is ready. */
export async function socketOf(db: string, timeoutMs: number): Promise<string> {
  const limit = Date.now() + timeoutMs;
  for (;;) {
    try {
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const row = d.prepare('SELECT socket, ready FROM supervisor').get() as { socket: string | null; ready: number } | undefined;
        if (row?.socket && row.ready) return row.socket;
      } finally {
        d.close();
      }
    } catch {
      // not created yet, or busy for a moment
    }
    if (Date.now() > limit) throw new Error(`the supervisor of ${db} was not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Wakes `agent` and resolves, once its run has ended and the agent is dormant again, with
 * the time from just before the wake went out to the wall clock its program wrote.
 */
export function wakeOnce(ctl: Control, agent: string): Promise<{ t0: number; run: string }> {
  return new Promise((resolve, reject) => {
    let t0 = 0;
    let run: string | undefined;
    let runEnded = false;
    let ended = false;
    let answered = false;
    let failed = false;
    const timer = setTimeout(() => finish(new Error(`${agent}: the run had not ended ${WAKE_TIMEOUT_MS / 1000} s after its wake`)), WAKE_TIMEOUT_MS);
    const finish = (err?: Error) => {
      if (failed) return;
      if (err) failed = true;
      else if (!(ended && answered)) return;
      clearTimeout(timer);
      ctl.onEvent = () => undefined;
      if (err) reject(err);
      else resolve({ t0, run: run! });
    };
    ctl.onEvent = (e) => {
      if (e.agent !== agent) return;
      if (e.event === 'run_start') run = String(e.run);
      else if (e.event === 'run_end' && e.run === run) {
        if (e.outcome === 'success') runEnded = true;
        else finish(new Error(`${agent}: run ${run} ended ${String(e.outcome)} (exit ${String(e.exit_code)}; ${String(e.note ?? e.error_class ?? '')})`));
      }
      // The state event follows run_end: the agent is dormant and can be woken again.
      else if (e.event === 'state' && runEnded) ((ended = true), finish());
    };
    ctl
      .request('wake', { agent, reason: 'bench' }, () => (t0 = wallMs()))
      .then(() => ((answered = true), finish()))
      .catch((e: Error) => finish(e));
  });
}

/** The wall clock (ms) that `run` of `agent` printed, asked of the supervisor (the logs op). */
export async function stampOf(ctl: Control, agent: string, run: string): Promise<number> {
  const res = (await ctl.request('logs', { agent, run, lines: 10 })) as { lines?: unknown };
  const line = Array.isArray(res.lines) ? res.lines.map(String).find((l) => /^\d{16,}$/.test(l.trim())) : undefined;
  if (!line) throw new Error(`${agent}: run ${run} printed no time stamp (its log: ${JSON.stringify(res.lines).slice(0, 300)})`);
  // Microseconds since 1970 fit a double exactly; nanoseconds do not.
  return Number(BigInt(line.trim()) / 1000n) / 1000;
}

/** The supervisor rounds: boxed and open alternately, warm-up first. */
async function supervisorRounds(dir: string, rounds: number, warmup: number, log: Log, r: SandboxSection): Promise<void> {
  const sup = agorSupervisor(dir, yaml());
  let pid: number | undefined;
  pending.set('agor-sandbox', () => sup.stop());
  try {
    log('  starting a supervisor with two on-demand agents, boxed (default sandbox) and open (sandbox: off) …');
    pid = sup.start();
    const ctl = await Control.connect(await socketOf(sup.db, 30_000));
    try {
      await ctl.request('subscribe');
      const samples: Record<Agent, number[]> = { boxed: [], open: [] };
      const total = warmup + rounds;
      for (let round = 0; round < total; round++) {
        // boxed first in even rounds, open first in odd ones: neither always follows the other.
        const order = round % 2 ? [...AGENTS].reverse() : AGENTS;
        for (const agent of order) {
          const { t0, run } = await wakeOnce(ctl, agent);
          const ms = (await stampOf(ctl, agent, run)) - t0;
          if (round >= warmup) samples[agent].push(ms);
        }
        if ((round + 1) % Math.max(1, Math.round(total / 4)) === 0 && round + 1 < total) log(`  section 11: round ${round + 1}/${total}`);
      }
      const inForce = lastSandbox(sup.db);
      for (const a of AGENTS) r[a] = { samples: samples[a], ms: stats(samples[a]), inForce: inForce[a] ?? null };
    } finally {
      ctl.close();
    }
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
    log(`!!! section 11: ${r.error}`);
  } finally {
    log('  tearing down …');
    tearDown(() => sup.stop(), r, 'section 11', log);
    pending.delete('agor-sandbox');
    r.supervisorGone = pid === undefined || (await gone(pid, 10_000));
    if (!r.supervisorGone && pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    try {
      const left = cgroupsLeft(sup.db);
      r.leftoverCgroups = left.runs;
      r.leftoverScopes = left.scopes;
    } catch (e) {
      log(`!!! section 11: could not look for leftover cgroups: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Whatever is left and empty goes, so the benchmark leaves the machine as it found it.
    for (const dir of [...r.leftoverCgroups, ...r.leftoverScopes, ...r.leftoverCgroups.map((d) => dirname(d))]) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty (processes left), or gone
      }
    }
    if (r.leftoverCgroups.length) log(`!!! section 11: agor down left ${r.leftoverCgroups.length} run cgroup(s): ${r.leftoverCgroups.join(', ')}`);
  }
}

/** The cgroup scope directories of database `db` in each hierarchy agor uses here. */
function scopeDirs(db: string): string[] {
  const c = detectCgroups();
  const bases = [c.membership, c.memory === 'v1' ? c.v1.memory?.dir : null, c.pids === 'v1' ? c.v1.pids?.dir : null];
  return [...new Set(bases.filter((b): b is string => !!b))].map((b) => join(b, `agor.${dbScope(db)}`));
}

/** What agor down left of the database's cgroups: run cgroups (an error) and empty scopes. */
function cgroupsLeft(db: string): { runs: string[]; scopes: string[] } {
  const left = { runs: [] as string[], scopes: [] as string[] };
  for (const dir of scopeDirs(db)) {
    if (!existsSync(dir)) continue;
    const runs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
    if (runs.length) left.runs.push(...runs.map((e) => join(dir, e.name)));
    else left.scopes.push(dir);
  }
  return left;
}

/** The sandbox recorded for each agent's latest run. */
function lastSandbox(db: string): Partial<Record<Agent, string>> {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.prepare('SELECT agent, sandbox FROM runs r WHERE started_at = (SELECT max(started_at) FROM runs WHERE agent = r.agent)').all() as {
      agent: Agent;
      sandbox: string | null;
    }[];
    return Object.fromEntries(rows.map((x) => [x.agent, x.sandbox ?? '']));
  } finally {
    d.close();
  }
}

/**
 * The agent's program spawned three ways, round-robin in a rotating order: bare, through
 * the helper with no policy (what sandbox: off runs), and through the helper with the
 * policy the supervisor plans for the boxed agent (no cgroup here, for neither).
 */
function helperRounds(dir: string, rounds: number, warmup: number): { figures: HelperFigures[]; probe: Probe; planning: { boxed: Stats; open: Stats } } {
  const probe = probeKernel(HELPER);
  if (!probe) throw new Error(`${HELPER} --probe failed; run npm run build`);
  const config = parseConfig(yaml().replaceAll('@MARK@', 'helper'), join(dir, 'agor.yaml'));
  const db = join(dir, 'agor.db');
  const plan = (id: Agent) => {
    const agent = config.agents.find((a) => a.id === id)!;
    const tmpdir = join(dir, 'tmp', id);
    mkdirSync(tmpdir, { recursive: true, mode: 0o700 });
    const p = sandboxPlan({
      agent,
      command: STAMP_ARGV,
      probe,
      helper: HELPER,
      paths: { tmpdir, dataDir: dirname(db), nodeBin: realpathSync(process.execPath), agorRoot: agorRoot(HELPER), home: homedir() },
      cgroup: { dirs: [], memory: false, pids: false },
    });
    if (p.refusal) throw new Error(`the planner refused the ${id} agent: ${p.refusal}`);
    return p;
  };
  // What the supervisor computes per run before it spawns: paths looked up, argv built.
  const planMs: Record<Agent, number[]> = { boxed: [], open: [] };
  for (let i = 0; i < warmup + rounds; i++) {
    for (const id of i % 2 ? [...AGENTS].reverse() : AGENTS) {
      const t0 = process.hrtime.bigint();
      plan(id);
      if (i >= warmup) planMs[id].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const boxed = plan('boxed');
  const cmds = [
    { name: 'the program alone', argv: STAMP_ARGV },
    { name: 'agor-sandbox --no-landlock', argv: plan('open').argv },
    { name: 'agor-sandbox, default policy', argv: boxed.argv },
  ];
  const env = { ...process.env, ...boxed.env };
  const samples = cmds.map(() => [] as number[]);
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < cmds.length; k++) {
      const i = (round + k) % cmds.length;
      const [file, ...args] = cmds[i]!.argv;
      const t0 = process.hrtime.bigint();
      const out = spawnSync(file!, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (out.error) throw out.error;
      if (out.status !== 0) throw new Error(`${cmds[i]!.name} failed (exit ${out.status}): ${out.stderr.trim().slice(0, 300)}`);
      if (round >= warmup) samples[i]!.push(ms);
    }
  }
  return {
    figures: cmds.map((c, i) => ({ ...c, samples: samples[i]!, ms: stats(samples[i]!) })),
    probe,
    planning: { boxed: stats(planMs.boxed), open: stats(planMs.open) },
  };
}

/** Section 11: start-to-running latency of a sandboxed agent against the same agent with sandbox: off. */
export async function sandboxLatency(settings: { rounds: number; warmup: number }, log: Log): Promise<SandboxSection> {
  const s = { rounds: settings.rounds * SANDBOX_ROUNDS_FACTOR, warmup: settings.warmup };
  log(`section 11: start-to-running latency, default sandbox vs sandbox: off, ${s.rounds} rounds + ${s.warmup} warm-up …`);
  const r: SandboxSection = {
    title: `Section 11 — start to running: an on-demand agent under the default sandbox vs sandbox: off (target ≤ ${SANDBOX_RATIO_TARGET.toFixed(2)}× and < ${SANDBOX_ADDED_TARGET_MS} ms added)`,
    rounds: s.rounds,
    warmup: s.warmup,
    supervisorGone: true,
    leftoverCgroups: [],
    leftoverScopes: [],
    notes: [],
    ok: false,
  };
  const dir = tempDir('sandbox');
  try {
    await supervisorRounds(dir, s.rounds, s.warmup, log, r);
    if (r.boxed && r.open) {
      const value = r.boxed.ms.median / r.open.ms.median;
      r.ratio = { value, interval: ratioInterval(r.boxed.samples, r.open.samples), target: SANDBOX_RATIO_TARGET, pass: value <= SANDBOX_RATIO_TARGET };
      const added = r.boxed.ms.median - r.open.ms.median;
      r.addedMs = {
        value: added,
        interval: differenceInterval(r.boxed.samples, r.open.samples),
        target: SANDBOX_ADDED_TARGET_MS,
        pass: added < SANDBOX_ADDED_TARGET_MS,
      };
    }
    log('  the helper alone: the program bare, through agor-sandbox --no-landlock, and with the default policy …');
    try {
      const h = helperRounds(dir, s.rounds, s.warmup);
      r.helper = h.figures;
      r.probe = h.probe;
      r.planning = h.planning;
    } catch (e) {
      const msg = `the helper alone: ${e instanceof Error ? e.message : String(e)}`;
      r.error = r.error ? `${r.error}; ${msg}` : msg;
      log(`!!! section 11: ${msg}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  r.notes = [
    `agent program: ${STAMP_ARGV.join(' ')} (into its run log); latency = the time it prints − the wall clock just before the wake request was written`,
    'both agents start through agor-sandbox inside a cgroup of their own; open passes --no-landlock, so the difference is the Landlock and seccomp policy',
    "and the supervisor's planning of it; each wake waits for the run's end and the agent's state event before the next",
    `${s.rounds} rounds (${SANDBOX_ROUNDS_FACTOR} × --rounds) after ${s.warmup} warm-up; boxed first in even rounds, open first in odd ones; interval: 90% paired bootstrap over rounds`,
  ];
  for (const a of AGENTS) if (r[a]) r.notes.push(`${a} ran with: ${r[a].inForce || '(nothing recorded)'}`);
  if (r.probe) r.notes.push(`kernel: Landlock ABI ${r.probe.landlockAbi}, seccomp filter ${r.probe.seccomp ? 'yes' : 'no'}`);
  if (r.helper) r.notes.push('the helper alone: spawnSync wall time, no supervisor and no cgroup, the three in a rotating order each round');
  if (r.planning)
    r.notes.push(
      `the supervisor's planning of a run (sandboxPlan: paths looked up, argv built), median: boxed ${r.planning.boxed.median.toFixed(2)} ms, open ${r.planning.open.median.toFixed(2)} ms`,
    );
  if (r.leftoverScopes.length) r.notes.push(`agor down left the database's cgroup scope, empty: ${r.leftoverScopes.join(', ')} (removed by the benchmark)`);
  r.ok = !r.error && r.supervisorGone && r.leftoverCgroups.length === 0 && !!r.boxed && !!r.open && !!r.helper;
  return r;
}
