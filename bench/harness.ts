// Timing primitives: wall time of spawned processes, interleaved rounds, order statistics.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Command {
  /** Label in the tables and the JSON. */
  name: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface Run {
  ms: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

const elapsedMs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * CPU time (user + system, ms) of all our children that have been waited for, from
 * /proc/self/stat (cutime + cstime, in USER_HZ = 100 ticks); undefined off Linux.
 * Coarse (10 ms) per reading, so it is only reported as a mean over many runs.
 */
export function childCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return undefined;
  }
}

/** Runs `cmd` to completion and returns its wall time (spawn to exit, output piped). */
export function timeOnce(cmd: Command): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd.file, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = elapsedMs(t0);
  if (r.error) throw r.error;
  return { ms, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The same as timeOnce, without blocking the event loop (for concurrent runs). */
export function timeOnceAsync(cmd: Command): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd.file, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ ms: elapsedMs(t0), status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

export function describeFailure(cmd: Command, r: Run): string {
  const how = r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
  const err = r.stderr.toString('utf8').trim() || r.stdout.toString('utf8').trim();
  return `${cmd.name} failed (${how})${err ? `: ${err.slice(0, 500)}` : ''}`;
}

export interface InterleaveOptions {
  rounds: number;
  warmup: number;
  /** Called after each round (warm-up rounds included) for progress output. */
  onRound?: (done: number, total: number) => void;
}

/**
 * Runs the commands round-robin (A, B, C, A, B, C, …): `warmup` unrecorded rounds, then
 * `rounds` recorded ones. Any run that fails aborts the measurement, since its time
 * would not be comparable. Returns the samples (ms) per command name.
 */
export function interleave(cmds: Command[], opts: InterleaveOptions): Record<string, { ms: number[]; cpuMs: number[] }> {
  const samples = Object.fromEntries(cmds.map((c) => [c.name, { ms: [] as number[], cpuMs: [] as number[] }]));
  const total = opts.warmup + opts.rounds;
  for (let round = 0; round < total; round++) {
    for (const cmd of cmds) {
      const cpu0 = childCpuMs();
      const r = timeOnce(cmd);
      const cpu1 = childCpuMs();
      if (r.status !== 0) throw new Error(describeFailure(cmd, r));
      if (round < opts.warmup) continue;
      samples[cmd.name]!.ms.push(r.ms);
      if (cpu0 !== undefined && cpu1 !== undefined) samples[cmd.name]!.cpuMs.push(cpu1 - cpu0);
    }
    opts.onRound?.(round + 1, total);
  }
  return samples;
}

export interface Stats {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function stats(values: number[]): Stats {
  if (!values.length) throw new Error('no samples');
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    median: median(s),
    p90: percentile(s, 90),
    min: s[0]!,
    max: s[s.length - 1]!,
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

const mean = (v: number[]): number => v.reduce((x, y) => x + y, 0) / v.length;

const median = (s: number[]): number => {
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * 90% interval of `statistic(num, den)` by a paired bootstrap over rounds (num[i] and
 * den[i] ran in the same round), with a fixed seed so the same samples always give the
 * same interval. Says how much the figure moves with the noise. The statistic gets its
 * two resamples sorted.
 */
function pairedInterval(num: number[], den: number[], iterations: number, statistic: (a: number[], b: number[]) => number): [number, number] {
  const n = Math.min(num.length, den.length);
  let seed = 0x9e3779b9;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const values: number[] = [];
  const a = new Array<number>(n);
  const b = new Array<number>(n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rnd() * n);
      a[i] = num[k]!;
      b[i] = den[k]!;
    }
    values.push(
      statistic(
        a.sort((x, y) => x - y),
        b.sort((x, y) => x - y),
      ),
    );
  }
  values.sort((x, y) => x - y);
  return [percentile(values, 5), percentile(values, 95)];
}

/**
 * 90% interval of the ratio of medians median(num) / median(den), by a paired bootstrap
 * (see pairedInterval). `centre: 'mean'` bootstraps the ratio of means instead (CPU
 * times, read in 10 ms ticks).
 */
export function ratioInterval(num: number[], den: number[], iterations = 2000, centre: 'median' | 'mean' = 'median'): [number, number] {
  return pairedInterval(num, den, iterations, centre === 'mean' ? (a, b) => mean(a) / mean(b) : (a, b) => median(a) / median(b));
}

/** 90% interval of median(num) − median(den), by the same paired bootstrap. */
export function differenceInterval(num: number[], den: number[], iterations = 2000): [number, number] {
  return pairedInterval(num, den, iterations, (a, b) => median(a) - median(b));
}

/** Runs `jobs` with at most `limit` in flight; results in job order. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

// ---- formatting ----

export const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
export const fmtRatio = (r: number): string => `${r.toFixed(2)}×`;
export const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** A plain text table; numeric-looking cells are right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = (s: string) => /^[\d.,≤≥<>×%+\-–\s]+(ms|s|×|msg\/s|claims\/s|B|MiB)?$/.test(s.trim()) && s.trim() !== '';
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i > 0 && right(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Nearest-rank percentiles of a sample of times, ms. */
export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100). */
function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1]! };
}

/** Two or more paths' percentiles as a table, each after the first compared with the first at p50 and p99. */
export function percentileTable(count: string, paths: [name: string, p: Percentiles][]): string {
  const base = paths[0]![1];
  return table(
    ['path', count, 'p50', 'p90', 'p99', 'max', 'p50 vs first', 'p99 vs first'],
    paths.map(([name, p], i) => [
      name,
      String(p.n),
      fmtMs(p.p50),
      fmtMs(p.p90),
      fmtMs(p.p99),
      fmtMs(p.max),
      i ? fmtRatio(p.p50 / base.p50) : '',
      i ? fmtRatio(p.p99 / base.p99) : '',
    ]),
  );
}
