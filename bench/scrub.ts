// Section 12: what the scrubber costs `agor logs`. A run's 10 MiB log (100,000 lines of
// agent-like output, a few token shapes among them) is read as `agor logs AGENT -n 100000`
// reads it without a supervisor: followLogs from the file, then the verb's own printing
// (control characters shown, written to a sink). The same code path runs with three
// scrubbers, side by side, in an order that rotates between rounds: the identity (no
// scrubbing: the baseline), token shapes only (a run whose secrets are not known), and
// three secrets of the run plus the shapes. In-process, so the ratio is of the work
// itself: a process's start-up, the same in all three, would only dilute it.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { showControls } from '../src/core/text.js';
import { upsertAgent } from '../src/db/agents.js';
import { openDb } from '../src/db/open.js';
import { insertRun } from '../src/db/runs.js';
import { type Scrubber, makeScrubber, noScrub, scrubShapes } from '../src/secrets/scrub.js';
import { followLogs } from '../src/supervisor/logview.js';
import { type Log, tempDir } from './fixtures.js';
import { type Stats, ratioInterval, stats } from './harness.js';

/** The target: agor logs with the scrubber at most 1.5× the time without. */
export const SCRUB_RATIO_TARGET = 1.5;
const LOG_BYTES = 10 * 1024 * 1024;
const LINES = 100_000;

const SECRETS = [
  { name: 'GITHUB_TOKEN', value: 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5' },
  { name: 'DB_PASSWORD', value: 'correct horse battery staple' },
  { name: 'WEBHOOK', value: 'https://hooks.example.com/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX' },
];

const ARMS = [
  { name: 'identity (no scrubbing)', scrub: noScrub },
  { name: 'token shapes', scrub: scrubShapes },
  { name: 'three secrets + shapes', scrub: makeScrubber(SECRETS) },
] as const;

export interface ScrubArm {
  name: string;
  samples: number[];
  ms: Stats;
  /** MiB of log per second, at the median. */
  mibPerSecond: number;
  /** Median against the identity's, with its 90% interval. */
  ratio?: { value: number; interval: [number, number] };
}

export interface ScrubSection {
  title: string;
  logBytes: number;
  lines: number;
  rounds: number;
  arms: ScrubArm[];
  target: number;
  pass: boolean;
  /** Redactions per read, by arm (a check that each arm did its work). */
  redactions: number[];
}

/** A log like an agent's: tool calls, paths, JSON, a token shape now and then, one line in 200 with a secret. */
function makeLog(path: string): number {
  const pieces = [
    '{"type":"tool_use","name":"Bash","input":{"command":"npm test -- --run tests/unit"}}',
    'src/supervisor/runs.ts:312:5 - error TS2345: Argument of type string is not assignable',
    '  at Object.<anonymous> (/home/dev/project/node_modules/vitest/dist/index.js:42:17)',
    'PASS tests/unit/secrets/scrub.test.ts (40 tests) 52ms; task-1234 sk-learn ghp docs',
    '\x1b[32m✓\x1b[39m reads the config and starts every agent in its own process group',
  ];
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    let l = `${String(i).padStart(6, '0')} ${pieces[i % pieces.length]}`;
    if (i % 200 === 7) l += ` token=${SECRETS[i % 3]!.value}`;
    if (i % 500 === 11) l += ' key sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-Dc_Ba9Zx8Yw7Vu6Ts5AA';
    lines.push(l);
  }
  // Padded to the size the issue names, so the throughput is of a 10 MiB log.
  const body = lines.join('\n') + '\n';
  const pad = Math.max(0, Math.ceil((LOG_BYTES - Buffer.byteLength(body)) / LINES));
  const text = pad ? lines.map((l) => l + ' ' + '.'.repeat(pad - 1)).join('\n') + '\n' : body;
  writeFileSync(path, text);
  return statSync(path).size;
}

/** One `agor logs -n 100000` from the file, as the verb prints it; returns ms and the redactions. */
async function readOnce(dbPath: string, scrub: Scrubber): Promise<{ ms: number; redacted: number }> {
  let bytes = 0;
  let redacted = 0;
  const t0 = performance.now();
  const db = openDb({ path: dbPath });
  await followLogs(db, { agent: 'bench', lines: LINES, follow: false, scrubFor: () => scrub }, (_a, _r, text) => {
    const shown = showControls(text);
    bytes += shown.length;
    redacted += shown.split('[REDACTED:').length - 1;
  });
  const ms = performance.now() - t0;
  if (!bytes) throw new Error('agor logs printed nothing');
  return { ms, redacted };
}

export async function scrubThroughput(o: { rounds: number; warmup: number }, log: Log): Promise<ScrubSection> {
  const dir = tempDir('scrub');
  try {
    const dbPath = join(dir, 'agor.db');
    const logPath = join(dir, 'logs', 'bench', 'run.log');
    mkdirSync(join(dir, 'logs', 'bench'), { recursive: true, mode: 0o700 });
    const size = makeLog(logPath);
    const db = openDb({ path: dbPath });
    upsertAgent(db, { id: 'bench', name: 'bench', role: 'project', group_id: 'bench', tier: 2, model: null, cwd: null });
    insertRun(db, { id: 'r-bench', agent: 'bench', log_path: logPath, started_at: Date.now(), wake_reason: 'bench', timeout_ms: null, restart_delay_ms: null });
    db.close();
    const rounds = Math.max(5, Math.ceil(o.rounds / 2));
    log(`section 12: agor logs on a ${(size / 1024 / 1024).toFixed(1)} MiB log, ${rounds} rounds + ${o.warmup} warm-up, three scrubbers interleaved`);
    const samples = ARMS.map(() => [] as number[]);
    const redacted = ARMS.map(() => 0);
    for (let r = 0; r < rounds + o.warmup; r++) {
      // Rotate the order, so no arm always runs first (or after the same one).
      for (let k = 0; k < ARMS.length; k++) {
        const i = (r + k) % ARMS.length;
        const got = await readOnce(dbPath, ARMS[i]!.scrub);
        if (r >= o.warmup) samples[i]!.push(got.ms);
        redacted[i] = got.redacted;
      }
    }
    const base = samples[0]!;
    const arms: ScrubArm[] = ARMS.map((a, i) => {
      const ms = stats(samples[i]!);
      return {
        name: a.name,
        samples: samples[i]!,
        ms,
        mibPerSecond: size / 1024 / 1024 / (ms.median / 1000),
        ...(i ? { ratio: { value: ms.median / stats(base).median, interval: ratioInterval(samples[i]!, base) } } : {}),
      };
    });
    const worst = Math.max(...arms.slice(1).map((a) => a.ratio!.value));
    return {
      title: `12. agor logs on a ${(size / 1024 / 1024).toFixed(1)} MiB log (${LINES.toLocaleString('en-US')} lines), with the scrubber against without`,
      logBytes: size,
      lines: LINES,
      rounds,
      arms,
      target: SCRUB_RATIO_TARGET,
      pass: worst <= SCRUB_RATIO_TARGET,
      redactions: redacted,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
