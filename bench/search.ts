// Section 20: what one search over everything costs. A database with 10,000 direct
// messages and 100 ended runs whose logs (500 lines each, some in Claude Code's JSON) are
// indexed as the supervisor indexes them; then `agor search WORD` (five sources, ranked
// and merged) against `btmsg search WORD` (messages and channels only), interleaved, as
// separate processes: what a user waits for. The indexing itself is timed too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDb, writeTx } from '../src/db/open.js';
import { endRun, insertRun } from '../src/db/runs.js';
import { scrubShapes } from '../src/secrets/scrub.js';
import { LogIndexer } from '../src/supervisor/logindex.js';
import { type Log, REPO, btmsgCmd, cleanEnv, prng, tempDir } from './fixtures.js';
import { type Command, type Stats, fmtMs, fmtRatio, interleave, ratioInterval, stats, table } from './harness.js';

const MESSAGES = 10_000;
const RUNS = 100;
const LOG_LINES = 500;
const WORDS = 'build test deploy review merge branch commit parser schema index cache queue worker report failure retry timeout config'.split(' ');
/** In about 1% of the messages and 1% of the log lines. */
const NEEDLE = 'pangolin';

export interface SearchSection {
  title: string;
  messages: number;
  runs: number;
  logBytes: number;
  /** Wall time to index the 100 logs, in-process, and its throughput. */
  indexMs: number;
  indexMibPerSecond: number;
  hits: { agor: number; btmsg: number };
  commands: { name: string; ms: Stats; samples: number[] }[];
  ratio: { value: number; interval: [number, number] };
}

const agorCmd = (db: string, args: string[]): Command => ({
  name: `agor ${args.join(' ')}`,
  file: process.execPath,
  args: [join(REPO, 'dist', 'agor.cjs'), ...args],
  env: cleanEnv({ AGOR_DB: db }),
});

function sentence(rand: () => number, needle: boolean): string {
  const n = 6 + Math.floor(rand() * 10);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  if (needle) words.splice(Math.floor(rand() * n), 0, NEEDLE);
  return words.join(' ');
}

/** Section 20. */
export async function searchLatency(o: { rounds: number; warmup: number }, log: Log): Promise<SearchSection> {
  const dir = tempDir('search');
  try {
    const path = join(dir, 'agor.db');
    const db = openDb({ path });
    const rand = prng(20);
    log(`section 20: ${MESSAGES} messages and ${RUNS} run logs of ${LOG_LINES} lines`);
    writeTx(db, () => {
      db.exec("INSERT OR IGNORE INTO agents (id, name, role, group_id, tier) VALUES ('dev1', 'Dev 1', 'project', 'bench', 2)");
      const insert = db.prepare("INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES (?, 'admin', 'dev1', ?, 'bench')");
      for (let i = 0; i < MESSAGES; i++) insert.run(`m${i}`, sentence(rand, rand() < 0.01));
    });
    mkdirSync(join(dir, 'logs'));
    let logBytes = 0;
    const t = Date.now() - RUNS * 60_000;
    writeTx(db, () => {
      for (let r = 0; r < RUNS; r++) {
        const file = join(dir, 'logs', `run${r}.log`);
        const lines = Array.from({ length: LOG_LINES }, (_, i) => {
          const text = sentence(rand, rand() < 0.01);
          return i % 3 ? text : JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text }] } });
        });
        writeFileSync(file, lines.join('\n') + '\n');
        logBytes += statSync(file).size;
        insertRun(db, { id: `run${r}`, agent: 'dev1', log_path: file, started_at: t + r * 60_000, wake_reason: null, timeout_ms: null, restart_delay_ms: null });
        endRun(db, `run${r}`, {
          ended_at: t + r * 60_000 + 30_000,
          exit_code: 0,
          signal: null,
          outcome: 'success',
          error_class: null,
          note: null,
          peak_rss_kb: null,
        });
      }
    });
    const idx = new LogIndexer({ db, scrub: () => scrubShapes, log });
    const t0 = performance.now();
    for (let r = 0; r < RUNS; r++) idx.ended(`run${r}`);
    while (!idx.idle) await new Promise((res) => setTimeout(res, 5));
    const indexMs = performance.now() - t0;
    db.close();

    const cmds = [agorCmd(path, ['search', NEEDLE, '-n', '20']), btmsgCmd(`btmsg search ${NEEDLE} -n 20`, path, ['search', NEEDLE, '-n', '20'])];
    const samples = interleave(cmds, { rounds: o.rounds, warmup: o.warmup });
    const [a, b] = cmds.map((c) => samples[c.name]!.ms);
    const hitsOf = (c: Command) => (JSON.parse(spawnSync(c.file, [...c.args, '--json'], { env: c.env, encoding: 'utf8' }).stdout) as unknown[]).length;
    return {
      title: `20. agor search over ${MESSAGES.toLocaleString('en-US')} messages and ${RUNS} run logs, against btmsg search (messages only)`,
      messages: MESSAGES,
      runs: RUNS,
      logBytes,
      indexMs,
      indexMibPerSecond: logBytes / 1024 / 1024 / (indexMs / 1000),
      hits: { agor: hitsOf(cmds[0]!), btmsg: hitsOf(cmds[1]!) },
      commands: cmds.map((c) => ({ name: c.name, ms: stats(samples[c.name]!.ms), samples: samples[c.name]!.ms })),
      ratio: { value: stats(a!).median / stats(b!).median, interval: ratioInterval(a!, b!) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Section 20 as text. */
export function printSearch(s: SearchSection, out: string[]): void {
  out.push(
    s.title,
    table(
      ['command', 'rounds', 'median', 'p90', 'min', 'hits'],
      s.commands.map((c, i) => [c.name, String(c.ms.n), fmtMs(c.ms.median), fmtMs(c.ms.p90), fmtMs(c.ms.min), String(i ? s.hits.btmsg : s.hits.agor)]),
    ),
    `  agor search / btmsg search: ${fmtRatio(s.ratio.value)} (90% interval ${s.ratio.interval.map((x) => x.toFixed(2)).join('–')})`,
    `  indexing the ${s.runs} logs (${(s.logBytes / 1024 / 1024).toFixed(1)} MiB, in-process, as the supervisor does at each run's end): ${fmtMs(s.indexMs)}, ${s.indexMibPerSecond.toFixed(1)} MiB/s`,
    '',
  );
}
