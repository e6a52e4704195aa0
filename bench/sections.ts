// The three measurements. Each returns plain figures; index.ts prints them.
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONCURRENT_SENDERS,
  HANDFUL,
  HUB,
  INBOX_OF,
  type Log,
  SENDER,
  SEND_TO,
  btmsgCmd,
  bttaskCmd,
  cachedBigDb,
  cachedTeamDb,
  concurrentSenders,
  copyTeam,
  nodeBaseline,
  schemaTag,
  sendHandful,
  smallTeamDb,
  tempDir,
} from './fixtures.js';
import { CLAIMER, claimBoard } from './board.js';
import { type Command, type Stats, childCpuMs, describeFailure, interleave, ratioInterval, stats, timeOnce, timeOnceAsync } from './harness.js';

export interface Settings {
  rounds: number;
  warmup: number;
  perSender: number;
  bigRows: number;
  rebuild: boolean;
}

export interface CommandFigures {
  name: string;
  /** Wall time per run. */
  ms: Stats;
  /** The wall times in round order (paired across commands by round). */
  samples: number[];
  /** Mean CPU time (user + system) per run, when the platform tells. */
  cpuMs?: number;
  /** CPU time per run in round order (10 ms ticks), when the platform tells. */
  cpuSamples?: number[];
}

export interface Ratio {
  name: string;
  value: number;
  /** 90% bootstrap interval of the value. */
  interval: [number, number];
  /** The same ratio of mean CPU times (user + system). */
  cpu?: number;
  /** 90% bootstrap interval of the CPU ratio. */
  cpuInterval?: [number, number];
  /** Upper bound; the ratio passes when value <= target (and cpu <= target when cpuTarget is set). */
  target: number;
  /** Set when the CPU ratio has the same bound as the wall-time one. */
  cpuTarget?: number;
  pass: boolean;
}

export interface TimingSection {
  title: string;
  commands: CommandFigures[];
  ratios: Ratio[];
  notes: string[];
}

/** The bound of the start-up ratios of the verbs agents call most: wall time and CPU. */
export const STARTUP_TARGET = 1.35;

export const ratio = (name: string, num: CommandFigures, den: CommandFigures, target: number, o: { cpuToo?: boolean } = {}): Ratio => {
  const value = num.ms.median / den.ms.median;
  const cpu =
    num.cpuMs !== undefined && den.cpuMs && num.cpuSamples && den.cpuSamples
      ? { cpu: num.cpuMs / den.cpuMs, cpuInterval: ratioInterval(num.cpuSamples, den.cpuSamples, 2000, 'mean') }
      : undefined;
  const cpuPass = !o.cpuToo || (cpu !== undefined && cpu.cpu <= target);
  return {
    name,
    value,
    interval: ratioInterval(num.samples, den.samples),
    ...cpu,
    target,
    ...(o.cpuToo ? { cpuTarget: target } : {}),
    pass: value <= target && cpuPass,
  };
};

/** Runs `cmds` round-robin (see interleave) and reduces each one's samples to figures. */
export function measure(cmds: Command[], s: Settings, log: Log, what: string): CommandFigures[] {
  let last = -1;
  const samples = interleave(cmds, {
    rounds: s.rounds,
    warmup: s.warmup,
    onRound: (done, total) => {
      const pct = Math.floor((done / total) * 4);
      if (pct !== last && done !== total) log(`  ${what}: round ${done}/${total}`);
      last = pct;
    },
  });
  return cmds.map((c) => {
    const { ms, cpuMs } = samples[c.name]!;
    return { name: c.name, ms: stats(ms), samples: ms, ...(cpuMs.length ? { cpuMs: cpuMs.reduce((a, b) => a + b, 0) / cpuMs.length, cpuSamples: cpuMs } : {}) };
  });
}

const SEND_TEXT = 'Status: build green, 3 tests added; see task T-42 for the numbers.';

/**
 * Section 1: start-up cost of the three commands agents call most (send, inbox, claim),
 * against bare node in the same rounds: median wall time and mean CPU time.
 */
export async function startup(s: Settings, log: Log): Promise<TimingSection> {
  const dir = tempDir('startup');
  try {
    const db = join(dir, 'agor.db');
    log('section 1: registering a small team through the binary …');
    await smallTeamDb(db);
    sendHandful(db);
    const board = join(dir, 'board.db');
    const claims = s.warmup + s.rounds;
    const claimable = await claimBoard(board, claims);
    const cmds = [
      nodeBaseline(),
      btmsgCmd('btmsg send', db, ['send', SEND_TO, SEND_TEXT], SENDER),
      btmsgCmd('btmsg inbox --json', db, ['inbox', '--json'], INBOX_OF),
      // interleave() aborts on any exit but 0, so an empty board (exit 3) cannot pass for a claim.
      bttaskCmd('bttask claim', board, ['claim'], CLAIMER),
    ];
    const commands = measure(cmds, s, log, 'section 1');
    const [node, send, inbox, claim] = commands as [CommandFigures, CommandFigures, CommandFigures, CommandFigures];
    // Each send adds a message to the sender's peer, never to the listed inbox.
    const listed = JSON.parse(timeOnce(cmds[2]!).stdout.toString('utf8')) as unknown[];
    return {
      title: `Section 1 — start-up cost of send, inbox and claim (wall: median; cpu: mean; target ≤ ${STARTUP_TARGET}× node -e 0 for both)`,
      commands,
      ratios: [
        ratio('btmsg send / node -e 0', send, node, STARTUP_TARGET, { cpuToo: true }),
        ratio('btmsg inbox --json / node -e 0', inbox, node, STARTUP_TARGET, { cpuToo: true }),
        ratio('bttask claim / node -e 0', claim, node, STARTUP_TARGET, { cpuToo: true }),
      ],
      notes: [
        `inbox lists ${listed.length} unread messages; send stores one message per run (${claims} in all); ` +
          `claim takes the first ready task of a board of ${claimable} (one per run)`,
        'cpu = user + system time of the process, read in 10 ms ticks: a mean over the rounds, with a bootstrap interval',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Section 2: inbox on a million-message file against the same team with no history. */
export async function scale(s: Settings, log: Log, tag: string): Promise<TimingSection & { bigDb: { rows: number; built: boolean; buildSeconds?: number } }> {
  const team = await cachedTeamDb(tag, s.rebuild, log);
  const big = await cachedBigDb(tag, team, s.bigRows, s.rebuild, log);
  const dir = tempDir('scale');
  try {
    log('section 2: preparing the empty database …');
    const empty = copyTeam(team, dir, 'empty.db');
    sendHandful(empty);
    const label = `${s.bigRows >= 1e6 && s.bigRows % 1e6 === 0 ? `${s.bigRows / 1e6}M` : s.bigRows.toLocaleString('en-US')} msgs`;
    const cmds = [
      btmsgCmd('inbox --json (empty)', empty, ['inbox', '--json'], INBOX_OF),
      btmsgCmd(`inbox --json (${label})`, big.path, ['inbox', '--json'], INBOX_OF),
    ];
    // The two listings must be alike, or the comparison measures output size.
    const outs = cmds.map((c) => {
      const r = timeOnce(c);
      if (r.status !== 0) throw new Error(describeFailure(c, r));
      return JSON.parse(r.stdout.toString('utf8')) as { content: string }[];
    });
    const sizes = outs.map((o) => JSON.stringify(o).length);
    if (outs.some((o) => o.length !== HANDFUL.length) || sizes[0] !== sizes[1]) {
      log(`!!! section 2: the two inboxes differ (${outs.map((o) => o.length).join(' vs ')} messages, ${sizes.join(' vs ')} bytes)`);
    }
    const commands = measure(cmds, s, log, 'section 2');
    const [e, b] = commands as [CommandFigures, CommandFigures];
    return {
      title: `Section 2 — inbox --json on ${s.bigRows.toLocaleString('en-US')} messages vs an empty history`,
      commands,
      ratios: [ratio(`inbox --json ${label} / empty`, b, e, 1.2)],
      notes: [
        `both list the same ${outs[0]!.length} unread messages (${sizes.join(' / ')} bytes of JSON); 100 agents registered in each`,
        big.built ? `big database built this run in ${big.buildSeconds!.toFixed(0)} s` : `big database reused from bench/.data/cache/${tag}/`,
      ],
      bigDb: { rows: big.rows, built: big.built, ...(big.buildSeconds !== undefined ? { buildSeconds: big.buildSeconds } : {}) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ThroughputSection {
  title: string;
  senders: number;
  perSender: number;
  expected: number;
  arrived: number;
  deadLetters: number;
  failures: number;
  firstFailure?: string;
  wallSeconds: number;
  messagesPerSecond: number;
  /** Mean CPU time (user + system) of one send process, when the platform tells. */
  cpuMsPerSend?: number;
  latency: Stats;
  ok: boolean;
}

/** Section 3: 32 agents each sending N messages at once, one btmsg process per message. */
export async function throughput(s: Settings, log: Log, tag: string): Promise<ThroughputSection> {
  const team = await cachedTeamDb(tag, s.rebuild, log);
  const dir = tempDir('throughput');
  try {
    const db = copyTeam(team, dir, 'agor.db');
    const senders = concurrentSenders();
    const n = s.perSender;
    log(`section 3: ${senders.length} concurrent senders × ${n} messages …`);
    const latencies: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const chain = async (agent: string) => {
      for (let i = 0; i < n; i++) {
        const cmd = btmsgCmd('btmsg send', db, ['send', HUB, `${agent} progress report ${i + 1}/${n}: tests green, moving on.`], agent);
        const r = await timeOnceAsync(cmd);
        latencies.push(r.ms);
        if (r.status !== 0) {
          failures++;
          firstFailure ??= describeFailure({ ...cmd, name: `${agent} send #${i + 1}` }, r);
        }
      }
    };
    const cpu0 = childCpuMs();
    const t0 = process.hrtime.bigint();
    await Promise.all(senders.map(chain));
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = childCpuMs();

    const check = new Database(db, { readonly: true });
    let arrived: number;
    let deadLetters: number;
    try {
      const marks = senders.map(() => '?').join(',');
      arrived = (check.prepare(`SELECT count(*) AS n FROM messages WHERE to_agent = ? AND from_agent IN (${marks})`).get(HUB, ...senders) as { n: number }).n;
      deadLetters = (check.prepare('SELECT count(*) AS n FROM dead_letter_queue').get() as { n: number }).n;
    } finally {
      check.close();
    }
    const expected = senders.length * n;
    return {
      title: `Section 3 — throughput: ${CONCURRENT_SENDERS} concurrent senders × ${n} messages (one btmsg send process each)`,
      senders: senders.length,
      perSender: n,
      expected,
      arrived,
      deadLetters,
      failures,
      ...(firstFailure ? { firstFailure } : {}),
      wallSeconds,
      messagesPerSecond: arrived / wallSeconds,
      ...(cpu0 !== undefined && cpu1 !== undefined ? { cpuMsPerSend: (cpu1 - cpu0) / latencies.length } : {}),
      latency: stats(latencies),
      ok: arrived === expected && failures === 0 && deadLetters === 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export { schemaTag };
