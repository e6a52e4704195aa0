// Section 10: a burst of 64 concurrent senders, against what this machine could do at best.
import Database from 'better-sqlite3';
import { existsSync, rmSync, watch } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type Log, SENDER, SEND_TO, btmsgCmd, smallTeamDb, tempDir } from './fixtures.js';
import { type Command, type Stats, childCpuMs, describeFailure, stats, timeOnce, timeOnceAsync } from './harness.js';

export const BURST_SENDERS = 64;

export interface BurstSection {
  title: string;
  senders: number;
  perSender: number;
  expected: number;
  stored: number;
  duplicates: number;
  failures: number;
  firstFailure?: string;
  wallSeconds: number;
  sendsPerSecond: number;
  /** Sends per second in each quarter of the burst's completions (the spread of the figure). */
  quarterRates: number[];
  /** CPU (user + system) of one send run alone, mean over `alone` runs, with its 90% bootstrap interval. */
  cpuMsAlone: { mean: number; interval: [number, number]; runs: number };
  /** CPU per send during the burst (includes the cost of waiting for the lock). */
  cpuMsInBurst?: number;
  /**
   * Times the -wal vanished during the burst: a closing process found itself the last
   * connection, checkpointed (two fsyncs) and removed it, and the next writer made a new
   * one (two more fsyncs, under the write lock).
   */
  walRemovals: number;
  /** CPU the burst used / (wall time × cores): how much of the machine it got. */
  machineShare?: number;
  cores: number;
  /** cores / CPU seconds of one send: the sends per second of a machine doing nothing else. */
  idealPerSecond: number;
  /** sendsPerSecond / idealPerSecond, with the interval that the CPU samples and the quarters give. */
  ratio: { value: number; interval: [number, number] };
  latency: Stats;
  ok: boolean;
}

/** Defaults only: no AGOR_BUSY_TIMEOUT, since the wait every agent gets is what is measured. */
function sendCmd(db: string, text: string): Command {
  const c = btmsgCmd('btmsg send', db, ['send', SEND_TO, text], SENDER);
  delete c.env.AGOR_BUSY_TIMEOUT;
  return c;
}

/** 90% bootstrap interval of the mean of `xs` (fixed seed, so a run is reproducible). */
function meanInterval(xs: number[], iterations = 2000): [number, number] {
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const means: number[] = [];
  for (let it = 0; it < iterations; it++) {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[Math.floor(rnd() * xs.length)]!;
    means.push(sum / xs.length);
  }
  means.sort((a, b) => a - b);
  return [means[Math.floor(iterations * 0.05)]!, means[Math.floor(iterations * 0.95)]!];
}

/**
 * Section 10: 64 processes each sending `perSender` messages one after another, all at
 * once (64 × 20 by default), with default settings; every message must be stored once and
 * no send refused. The ideal is measured in the same run: the CPU of one send alone
 * (`alone` sequential runs), and cores / that CPU in seconds.
 */
export async function burst(perSender: number, alone: number, log: Log): Promise<BurstSection> {
  const dir = tempDir('burst');
  try {
    const db = join(dir, 'agor.db');
    log('section 10: registering a small team through the binary …');
    await smallTeamDb(db);

    log(`section 10: CPU of one btmsg send, ${alone} runs one after another …`);
    timeOnce(sendCmd(db, 'warm-up'));
    const cpuAlone: number[] = [];
    for (let i = 0; i < alone; i++) {
      const cmd = sendCmd(db, `alone ${i}`);
      const c0 = childCpuMs();
      const r = timeOnce(cmd);
      const c1 = childCpuMs();
      if (r.status !== 0) throw new Error(describeFailure(cmd, r));
      if (c0 !== undefined && c1 !== undefined) cpuAlone.push(c1 - c0);
    }
    if (!cpuAlone.length) throw new Error('this platform does not report the CPU time of child processes (/proc/self/stat)');

    log(`section 10: ${BURST_SENDERS} concurrent senders × ${perSender} messages …`);
    const latencies: number[] = [];
    const done: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    let walRemovals = 0;
    const watcher = watch(dir, (_event, name) => {
      if (name === 'agor.db-wal' && !existsSync(join(dir, name))) walRemovals++;
    });
    const cpu0 = childCpuMs();
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: BURST_SENDERS }, async (_, p) => {
        for (let i = 0; i < perSender; i++) {
          const cmd = sendCmd(db, `burst s${p} m${i}`);
          const r = await timeOnceAsync(cmd);
          latencies.push(r.ms);
          done.push(Number(process.hrtime.bigint() - t0) / 1e9);
          if (r.status !== 0) {
            failures++;
            firstFailure ??= describeFailure({ ...cmd, name: `sender ${p} send #${i + 1}` }, r);
          }
        }
      }),
    );
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = childCpuMs();
    watcher.close();

    const check = new Database(db, { readonly: true });
    let stored: number;
    let duplicates: number;
    try {
      const rows = check.prepare(`SELECT count(*) AS n FROM messages WHERE content LIKE 'burst %' GROUP BY content`).all() as { n: number }[];
      stored = rows.length;
      duplicates = rows.filter((r) => r.n > 1).length;
    } finally {
      check.close();
    }

    const cores = cpus().length;
    const expected = BURST_SENDERS * perSender;
    const sendsPerSecond = stored / wallSeconds;
    // The rate within each quarter of the completions, so a slow start or tail shows.
    done.sort((a, b) => a - b);
    const q = Math.floor(done.length / 4);
    const quarterRates = [0, 1, 2, 3].map((k) => {
      const from = k === 0 ? 0 : done[k * q - 1]!;
      const to = done[k === 3 ? done.length - 1 : (k + 1) * q - 1]!;
      const n = k === 3 ? done.length - 3 * q : q;
      return to > from ? n / (to - from) : sendsPerSecond;
    });
    const meanAlone = cpuAlone.reduce((a, b) => a + b, 0) / cpuAlone.length;
    const cpuInterval = meanInterval(cpuAlone);
    const ideal = (cores * 1000) / meanAlone;
    // Low end: the slowest quarter against the cheapest plausible send; high end, the reverse.
    const idealAt = (cpuMs: number) => (cores * 1000) / cpuMs;
    const ratioInterval: [number, number] = [Math.min(...quarterRates) / idealAt(cpuInterval[0]), Math.max(...quarterRates) / idealAt(cpuInterval[1])];
    return {
      title: `Section 10 — burst: ${BURST_SENDERS} concurrent senders × ${perSender} messages (default settings), against the ideal of ${cores} cores`,
      senders: BURST_SENDERS,
      perSender,
      expected,
      stored,
      duplicates,
      failures,
      ...(firstFailure ? { firstFailure } : {}),
      wallSeconds,
      sendsPerSecond,
      quarterRates,
      walRemovals,
      cpuMsAlone: { mean: meanAlone, interval: cpuInterval, runs: cpuAlone.length },
      ...(cpu0 !== undefined && cpu1 !== undefined
        ? { cpuMsInBurst: (cpu1 - cpu0) / latencies.length, machineShare: (cpu1 - cpu0) / 1000 / (wallSeconds * cores) }
        : {}),
      cores,
      idealPerSecond: ideal,
      ratio: { value: sendsPerSecond / ideal, interval: ratioInterval },
      latency: stats(latencies),
      ok: stored === expected && duplicates === 0 && failures === 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
