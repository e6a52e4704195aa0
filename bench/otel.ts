// Section 18: what traces cost. The supervisor's idle RSS and CPU over 10 s with OTLP on
// (a real OTLP/HTTP receiver in this process, counting what arrives) against off, 20
// sleeping agents each; and agor ps with the collector down (a port nobody listens on)
// against OTLP off, interleaved. Real processes: agor up -d, agor ps (the built binaries).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO, type Log, tempDir } from './fixtures.js';
import { type Command, fmtMs, fmtRatio, table, timeOnce } from './harness.js';
import { type ProcessFigures, agorSupervisor, gone, pending, sampleProcess, sweepLeftovers } from './supervisor.js';

export const OTEL_AGENTS = 20;
const AGOR = join(REPO, 'dist', 'agor.cjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OtelSection {
  title: string;
  agents: number;
  seconds: number;
  off?: ProcessFigures;
  on?: ProcessFigures;
  /** The supervisor whose collector is down, alone, after the agor ps rounds. */
  down?: ProcessFigures;
  /** Spans the receiver decoded while OTLP was on. */
  spansReceived?: number;
  psOff?: { p50: number; p90: number; n: number };
  psDown?: { p50: number; p90: number; n: number };
  notes: string[];
  error?: string;
}

const yaml = (n: number) =>
  [
    'group: bench',
    'max_concurrent: 200',
    'agents:',
    ...Array.from({ length: n }, (_, i) => [
      `  s${String(i + 1).padStart(3, '0')}:`,
      '    role: project',
      '    command: ["sleep", "100000"]',
      '    mode: service',
      '    env:',
      '      AGOR_BENCH_RUN: "@MARK@"',
    ]).flat(),
    '',
  ].join('\n');

/**
 * An OTLP/HTTP receiver on loopback that decodes and counts the spans it is sent. A process of
 * its own: this one blocks in spawnSync (agor up, ps, down) while the supervisor exports.
 */
const RECEIVER = `
const { createServer } = require('node:http');
const { writeFileSync } = require('node:fs');
let spans = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      for (const rs of JSON.parse(Buffer.concat(chunks).toString('utf8')).resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
    } catch {}
    writeFileSync(process.argv[1], String(spans));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function receiver(dir: string): Promise<{ url: string; spans: () => number; close: () => Promise<void> }> {
  const counts = join(dir, 'spans');
  writeFileSync(counts, '0');
  const child = spawn(process.execPath, ['-e', RECEIVER, counts], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the OTLP receiver exited (${code})`)));
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString('utf8').trim())));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => Number(readFileSync(counts, 'utf8')),
    close: async () => {
      child.kill('SIGTERM');
      await gone(child.pid!, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port that was free a moment ago: a collector that is down. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

interface Host {
  pid: number;
  ps: Command;
  stop: () => Promise<void>;
}

/** agor up -d over `n` sleepers with `endpoint` (or none), once every agent runs. */
async function host(label: string, endpoint: string | null, log: Log): Promise<Host> {
  const dir = tempDir(`otel-${label}`);
  const sup = agorSupervisor(dir, yaml(OTEL_AGENTS));
  delete sup.env.AGOR_OTLP_ENDPOINT;
  if (endpoint) sup.env.AGOR_OTLP_ENDPOINT = endpoint;
  let pid: number | undefined;
  const stop = async () => {
    try {
      sup.stop();
    } finally {
      pending.delete(`otel-${label}`);
      if (pid !== undefined && !(await gone(pid, 10_000))) process.kill(pid, 'SIGKILL');
      await sweepLeftovers(sup.marks, []);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  pending.set(`otel-${label}`, () => sup.stop());
  try {
    log(`  ${label}: agor up -d${endpoint ? ` with AGOR_OTLP_ENDPOINT=${endpoint}` : ''} …`);
    pid = sup.start();
    const ps: Command = { name: `agor ps (${label})`, file: process.execPath, args: [AGOR, 'ps', '--json', '--db', sup.db], env: sup.env };
    const t0 = Date.now();
    for (;;) {
      const r = timeOnce(ps);
      const list = r.status === 0 ? (JSON.parse(r.stdout.toString('utf8')) as { state: string }[]) : [];
      if (list.length === OTEL_AGENTS && list.every((a) => a.state === 'running')) break;
      if (Date.now() - t0 > 90_000) throw new Error(`${label}: not every agent running after 90 s`);
      await sleep(250);
    }
    return { pid, ps, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

const pct = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * v.length) - 1)]!;

export async function otelCost(o: { rounds: number; quick: boolean }, log: Log): Promise<OtelSection> {
  const seconds = 10;
  const s: OtelSection = {
    title: `Section 18 — traces: supervisor idle RSS and CPU over ${seconds} s with OTLP on (receiver up), off, and the collector down, ${OTEL_AGENTS} sleeping agents; agor ps with the collector down vs OTLP off`,
    agents: OTEL_AGENTS,
    seconds,
    notes: [],
  };
  log(`section 18: traces on vs off …`);
  const hosts: Host[] = [];
  let rx: Awaited<ReturnType<typeof receiver>> | undefined;
  try {
    // Idle, one supervisor at a time, so neither measures the other.
    const off = await host('off', null, log);
    hosts.push(off);
    await sleep(o.quick ? 2000 : 5000);
    s.off = await sampleProcess(off.pid, seconds);
    // agor ps against the same supervisor and one whose collector is down, interleaved.
    const down = await host('down', await deadUrl(), log);
    hosts.push(down);
    const n = Math.max(20, o.rounds);
    const times = { off: [] as number[], down: [] as number[] };
    for (let i = 0; i < n + 3; i++) {
      for (const [k, h] of [['off', off] as const, ['down', down] as const]) {
        const r = timeOnce(h.ps);
        if (r.status !== 0) throw new Error(`${h.ps.name} exited ${r.status}: ${r.stderr.toString('utf8').slice(0, 300)}`);
        if (i >= 3) times[k].push(r.ms);
      }
    }
    s.psOff = { n, p50: pct(times.off, 50), p90: pct(times.off, 90) };
    s.psDown = { n, p50: pct(times.down, 50), p90: pct(times.down, 90) };
    await hosts.shift()!.stop();
    await sleep(o.quick ? 2000 : 5000);
    s.down = await sampleProcess(down.pid, seconds);
    for (const h of hosts.splice(0)) await h.stop();
    rx = await receiver(tempDir('otel-rx'));
    const on = await host('on', rx.url, log);
    hosts.push(on);
    await sleep(o.quick ? 2000 : 5000);
    s.on = await sampleProcess(on.pid, seconds);
    for (const h of hosts.splice(0)) await h.stop();
    // agor down flushed what was queued.
    s.spansReceived = rx.spans();
    s.notes.push('RSS sampled once a second; CPU = (utime + stime) over the window / its wall time, in percent of one core');
    s.notes.push('agor ps: wall time of the whole command (node start-up included), 3 warm-up rounds, the two supervisors alternated');
  } catch (e) {
    s.error = e instanceof Error ? e.message : String(e);
    log(`!!! section 18: ${s.error}`);
  } finally {
    for (const h of hosts) await h.stop().catch((e: unknown) => log(`!!! section 18 tear-down: ${String(e)}`));
    await rx?.close();
  }
  return s;
}

export function printOtel(s: OtelSection | undefined, out: string[]): void {
  if (!s) return;
  out.push(s.title);
  if (s.off && s.on) {
    const row = (name: string, f: ProcessFigures) => [name, `${(f.rssKb.median / 1024).toFixed(1)} MiB`, `${f.cpuPercent.toFixed(2)} %`, fmtMs(f.cpuMs)];
    out.push(
      table(['supervisor', 'RSS (median)', 'CPU', 'CPU time'], [row('OTLP off', s.off), row('OTLP on', s.on), ...(s.down ? [row('collector down', s.down)] : [])]),
      `  with OTLP on: RSS ${fmtRatio(s.on.rssKb.median / s.off.rssKb.median)} of off, CPU ${(s.on.cpuPercent - s.off.cpuPercent).toFixed(2)} points more; ${s.spansReceived ?? 0} span(s) received`,
    );
  }
  if (s.psOff && s.psDown) {
    out.push(
      table(
        ['agor ps', 'rounds', 'p50', 'p90', 'p50 vs off'],
        [
          ['OTLP off', String(s.psOff.n), fmtMs(s.psOff.p50), fmtMs(s.psOff.p90), ''],
          ['collector down', String(s.psDown.n), fmtMs(s.psDown.p50), fmtMs(s.psDown.p90), fmtRatio(s.psDown.p50 / s.psOff.p50)],
        ],
      ),
    );
  }
  for (const n of s.notes) out.push(`  ${n}`);
  if (s.error) out.push(`!!! section 18 did not complete: ${s.error}`);
  out.push('');
}
