// btmsg, bttask and agor benchmark: start-up cost, listings on large files, concurrent
// writers, the supervisor's idle cost (against pm2) and crash-to-restart latency, the
// dashboard's frame time and idle CPU, a burst of 64 senders against the ideal, and
// what the sandbox adds to an agent's start, what the scrubber costs agor logs, and what
// three keyring secrets add to an agent's start; and the relay: what it adds to a request
// against the control socket, its idle cost, and the events per second it passes on.
// Figures are ratios of medians measured side by side in one run, since the machine is
// shared and noisy. It reports; it never fails on the figures (exit 0; 1 only when a
// section could not run at all).
//
//   npm run bench                   full run
//   npm run bench -- --quick        fewer rounds, 3 messages per sender, 48 tasks to race for
//   npm run bench -- --json         figures as JSON on stdout (progress stays on stderr)
//   options: --rounds N  --warmup N  --per-sender N  --only 1,2,...,16  --rows N  --rebuild
import { cpus, loadavg } from 'node:os';
import { schemaTag, snapshotBinary } from './fixtures.js';
import { BOARD_TASKS, type ClaimRaceSection, boardScale, boardStartup, claimRace } from './board.js';
import { type CommandFigures, type Settings, type ThroughputSection, type TimingSection, scale, startup, throughput } from './sections.js';
import { fmtInt, fmtMs, fmtRatio, table } from './harness.js';
import { DASH_AGENTS, DASH_MESSAGES, DASH_TASKS, type DashboardSection, dashboard } from './dashboard.js';
import { BURST_SENDERS, type BurstSection, burst } from './burst.js';
import { type SandboxSection, sandboxLatency } from './sandbox.js';
import { type ScrubSection, scrubThroughput } from './scrub.js';
import { printSearch, searchLatency } from './search.js';
import { type SecretsSection, secretsLatency } from './secrets.js';
import { hookLatency, printHooks } from './hooks.js';
import { CONFLICT_AGENTS, CONFLICT_FILES, conflictCheckCost, printConflictChecks } from './conflicts.js';
import { OTEL_AGENTS, otelCost, printOtel } from './otel.js';
import { RELAY_ADDED_P50_MS, RELAY_ADDED_P99_MS, RELAY_DASHBOARDS, RELAY_IDLE_AGENTS, printRelay, relayEvents, relayIdle, relayLatency } from './relay.js';
import {
  IDLE_AGENTS,
  RSS_RATIO_BEFORE_SANDBOX,
  agorBundleHash,
  type IdleRun,
  type IdleSection,
  type LatencyRun,
  type RestartSection,
  idleSupervision,
  restartLatency,
  stopSupervisors,
} from './supervisor.js';

const SECTIONS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

const HELP = `usage: npm run bench -- [--quick] [--json] [--rounds N] [--warmup N] [--per-sender N] [--only 1,...,19] [--rows N] [--rebuild]

  --quick          10 rounds, 2 warm-up, 3 messages per sender, 48 tasks in section 6 (else 160),
                   a 15 s window in section 7 (else 60 s), 5 restarts in section 8 (else 12),
                   a 10 s window in section 9 (else 30 s), 64 × 5 sends in section 10 (else 64 × 20),
                   40 wakes of each agent in sections 11 and 13 (else 200)
  --json           print the figures as JSON (progress goes to stderr)
  --rounds N       measured rounds per command (default 50); sections 11 and 13 wake each agent 4 × N times;
                   section 14 times 10 × N requests each way (at least 1000; 200 with --quick)
  --warmup N       unmeasured warm-up rounds (default 5)
  --per-sender N   messages per concurrent sender in section 3 (default 10)
  --only LIST      sections to run (1-3 btmsg, 4-6 bttask, 7-8 agor, 9 the dashboard, 10 the burst,
                   11 the sandbox, 12 the scrubber, 13 secrets, 14-16 the relay, 17 hooks, 18 traces, 19 conflict checks, 20 search), e.g. --only 1,4
  --rows N         messages in the big database of section 2 (default 1000000)
  --rebuild        rebuild the cached databases under bench/.data/

  sections: 1 start-up of btmsg send, inbox and bttask claim (wall and CPU), 2 inbox on a big database, 3 concurrent
  senders, 4 bttask list and claim start-up, 5 bttask ready on ${BOARD_TASKS.toLocaleString('en-US')} tasks,
  6 racing claimers, 7 supervisor RSS and CPU with ${IDLE_AGENTS} idle agents, agor vs pm2,
  8 crash-to-restart latency (agor, and pm2 for context), 9 the dashboard over ${DASH_AGENTS} agents,
  ${DASH_TASKS.toLocaleString('en-US')} tasks and ${DASH_MESSAGES.toLocaleString('en-US')} messages: frame time per view (rounds as above) and the idle
  CPU of agor dash attached to ${DASH_AGENTS} idle agents (needs tmux), 10 ${BURST_SENDERS} concurrent senders × 20
  messages with default settings: sends per second against the ideal of this machine (cores / CPU
  seconds of one send alone, measured in the same run), 11 start-to-running latency of an on-demand
  agent under the default sandbox against sandbox: off, side by side under one supervisor, with the
  sandbox helper alone for context, 12 agor logs on a 10 MiB log with the scrubber (token shapes; three secrets
  and the shapes) against the same code path with an identity scrubber, interleaved (half the rounds, at least 5),
  13 start-to-running latency of an on-demand agent with three secrets from a real keyring against one with none
  (needs dbus-daemon and gnome-keyring-daemon), 14 the round trip of list through agor-relay (wss on loopback) against the
  control socket, p50 and p99, with ${RELAY_DASHBOARDS} subscribed dashboards connected (targets: +${RELAY_ADDED_P50_MS} ms at p50, +${RELAY_ADDED_P99_MS} ms at p99),
  15 the relay's RSS and CPU over 10 s with ${RELAY_DASHBOARDS} dashboards and ${RELAY_IDLE_AGENTS} sleeping agents, 16 the events per second one
  relay passes to one dashboard against a client of the control socket (short on-demand runs, 5 s with --quick, else 15 s),
  17 hook dispatch latency: a wake request to the start of its hook's process, p50/p99 over 200 wakes (50 with --quick),
  beside the same wake event reaching a subscribed control-socket client
  18 the supervisor's idle RSS and CPU over 10 s with OTLP traces on (a receiver up), off and with the collector down, ${OTEL_AGENTS} sleeping agents, and
  agor ps with the collector down against OTLP off (p50, ratio; at least 20 rounds),
  19 one conflict check between ${CONFLICT_AGENTS} worktrees of one repository with ${CONFLICT_FILES} changed files each: wall and CPU time per
  check, p50 and p90 over 20 checks (5 with --quick), when no pair's files intersect and when every pair's do
  20 agor search over 10,000 messages and 100 indexed run logs against btmsg search (messages only), interleaved,
  and the time to index the logs
`;

interface Args extends Settings {
  json: boolean;
  quick: boolean;
  only: Set<number>;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, quick: false, rounds: 50, warmup: 5, perSender: 10, bigRows: 1_000_000, rebuild: false, only: new Set(SECTIONS) };
  const explicit = new Set<string>();
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs a whole number >= ${min}`);
    explicit.add(flag);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    if (f === '--json') a.json = true;
    else if (f === '--quick') a.quick = true;
    else if (f === '--rebuild') a.rebuild = true;
    else if (f === '--rounds') a.rounds = num(f, argv[++i], 1);
    else if (f === '--warmup') a.warmup = num(f, argv[++i], 0);
    else if (f === '--per-sender') a.perSender = num(f, argv[++i], 1);
    else if (f === '--rows') a.bigRows = num(f, argv[++i], 1);
    else if (f === '--only') {
      const list = (argv[++i] ?? '').split(',').map(Number);
      if (!list.length || list.some((n) => !SECTIONS.includes(n))) throw new Error(`--only takes a list of section numbers, 1 to ${SECTIONS.length}`);
      a.only = new Set(list);
    } else if (f === '--help' || f === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else throw new Error(`unknown option ${f}\n${HELP}`);
  }
  if (a.quick) {
    if (!explicit.has('--rounds')) a.rounds = 10;
    if (!explicit.has('--warmup')) a.warmup = 2;
    if (!explicit.has('--per-sender')) a.perSender = 3;
  }
  return a;
}

const commandRows = (cmds: CommandFigures[]) => {
  const base = cmds[0]!.ms.median;
  return cmds.map((c, i) => [
    c.name,
    fmtMs(c.ms.median),
    fmtMs(c.ms.p90),
    fmtMs(c.ms.min),
    c.cpuMs === undefined ? '-' : fmtMs(c.cpuMs),
    i === 0 ? '' : fmtRatio(c.ms.median / base),
  ]);
};

function printTiming(s: TimingSection, out: string[]): void {
  out.push(s.title, table(['command', 'median', 'p90', 'min', 'cpu (mean)', 'vs first'], commandRows(s.commands)));
  for (const n of s.notes) out.push(`  ${n}`);
  out.push('');
}

function printThroughput(t: ThroughputSection, out: string[]): void {
  out.push(
    t.title,
    table(
      ['figure', 'value'],
      [
        ['messages stored', `${fmtInt(t.arrived)} of ${fmtInt(t.expected)}`],
        ['wall time', `${t.wallSeconds.toFixed(2)} s`],
        ['throughput', `${t.messagesPerSecond.toFixed(1)} msg/s`],
        ...(t.cpuMsPerSend !== undefined
          ? [
              ['cpu per send (mean)', fmtMs(t.cpuMsPerSend)],
              [`cpu-bound ceiling, ${cpus().length} cores`, `${((cpus().length * 1000) / t.cpuMsPerSend).toFixed(1)} msg/s`],
            ]
          : []),
        ['send latency median', fmtMs(t.latency.median)],
        ['send latency p90', fmtMs(t.latency.p90)],
        ['send latency max', fmtMs(t.latency.max)],
      ],
    ),
  );
  if (!t.ok) out.push(...loudThroughputError(t));
  out.push('');
}

function printClaims(c: ClaimRaceSection, out: string[]): void {
  out.push(
    c.title,
    table(
      ['figure', 'value'],
      [
        ['tasks claimed', `${fmtInt(c.claimed)} of ${fmtInt(c.tasks)}`],
        ['claimed twice', fmtInt(c.duplicates)],
        ["in progress under its claimer's lease", `${fmtInt(c.onBoard)} of ${fmtInt(c.tasks)}`],
        ['failed claims', fmtInt(c.failures)],
        ['wall time', `${c.wallSeconds.toFixed(2)} s`],
        ['throughput', `${c.claimsPerSecond.toFixed(1)} claims/s`],
        ...(c.cpuMsPerClaim !== undefined
          ? [
              ['cpu per claim process (mean)', fmtMs(c.cpuMsPerClaim)],
              [`cpu-bound ceiling, ${cpus().length} cores`, `${((cpus().length * 1000) / c.cpuMsPerClaim).toFixed(1)} claims/s`],
            ]
          : []),
        ['claim latency median', fmtMs(c.latency.median)],
        ['claim latency p90', fmtMs(c.latency.p90)],
        ['claim latency max', fmtMs(c.latency.max)],
      ],
    ),
  );
  if (!c.ok) out.push(...loudClaimError(c));
  out.push('');
}

const mib = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;
const pct = (p: number): string => `${p.toFixed(2)}%`;

function printIdle(s: IdleSection, out: string[]): void {
  const row = (r: IdleRun) => [
    r.supervisor === 'agor' ? 'agor (supervisor)' : 'pm2 (God daemon)',
    r.figures ? String(r.figures.pid) : '-',
    r.figures ? `${r.runningBefore} / ${r.runningAfter ?? '?'}` : `${r.runningBefore}`,
    r.startSeconds === undefined ? '-' : `${r.startSeconds.toFixed(2)} s`,
    r.figures ? mib(r.figures.rssKb.median) : '-',
    r.figures ? mib(r.figures.rssKb.max) : '-',
    r.figures ? pct(r.figures.cpuPercent) : '-',
    r.figures ? fmtMs(r.figures.cpuMs) : '-',
    String(r.leftovers),
  ];
  out.push(
    s.title,
    table(['supervisor', 'pid', 'running before / after', 'start-up', 'RSS median', 'RSS max', 'CPU', 'CPU time', 'leftovers'], [row(s.agor), row(s.pm2)]),
  );
  if (s.rssRatio !== undefined) out.push(`  agor / pm2 RSS: ${fmtRatio(s.rssRatio)} of the medians, ${fmtRatio(s.rssRatioMax!)} of the maxima`);
  out.push(`  before the sandbox: ${fmtRatio(s.rssRatioBeforeSandbox)} (npm run bench -- --quick --only 7, agents not sandboxed)`);
  for (const n of s.notes) out.push(`  ${n}`);
  if (!s.ok) out.push(...loudIdleError(s));
  out.push('');
}

function loudIdleError(s: IdleSection): string[] {
  const lines = ['', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'];
  lines.push(`!!! ERROR: each supervisor must keep all ${s.agents} agents running and leave nothing behind`);
  for (const r of [s.agor, s.pm2]) {
    if (r.error) lines.push(`!!! ${r.supervisor}: ${r.error}`);
    if (r.runningAfter !== undefined && r.runningAfter !== s.agents)
      lines.push(`!!! ${r.supervisor}: ${r.runningAfter} of ${s.agents} agents running after the window`);
    if (r.leftovers) lines.push(`!!! ${r.supervisor}: ${r.leftovers} sleep 100000 process(es) of this run left after the tear-down (killed by the benchmark)`);
    if (!r.supervisorGone) lines.push(`!!! ${r.supervisor}: the supervisor process was still alive 10 s after the tear-down (killed by the benchmark)`);
  }
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  return lines;
}

function printRestarts(s: RestartSection, out: string[]): void {
  const row = (r: LatencyRun) => [
    r.supervisor,
    `${r.restarts} of ${s.wanted}`,
    r.latency ? fmtMs(r.latency.median) : '-',
    r.latency ? fmtMs(r.latency.p90) : '-',
    r.latency ? fmtMs(r.latency.max) : '-',
    r.latency ? fmtMs(r.latency.min) : '-',
    r.delaysMs.length ? [...new Set(r.delaysMs)].map((d) => fmtMs(d)).join(', ') : '-',
  ];
  const rows = [row(s.agor), row(s.pm2)];
  const spawned = s.pm2.spawned;
  if (spawned)
    rows.push([
      'pm2, to online',
      `${s.pm2.spawnedSamples!.length} of ${s.wanted}`,
      fmtMs(spawned.median),
      fmtMs(spawned.p90),
      fmtMs(spawned.max),
      fmtMs(spawned.min),
      '',
    ]);
  out.push(s.title, table(['supervisor', 'restarts', 'median', 'p90', 'max', 'min', 'backoff waited'], rows));
  for (const n of s.notes) out.push(`  ${n}`);
  if (!s.ok) out.push(...loudRestartError(s));
  out.push('');
}

function printBurst(b: BurstSection, out: string[]): void {
  out.push(
    b.title,
    table(
      ['figure', 'value'],
      [
        ['messages stored', `${fmtInt(b.stored)} of ${fmtInt(b.expected)}`],
        ['stored twice', fmtInt(b.duplicates)],
        ['refused sends', fmtInt(b.failures)],
        ['wall time', `${b.wallSeconds.toFixed(2)} s`],
        ['throughput', `${b.sendsPerSecond.toFixed(1)} msg/s`],
        ['throughput by quarter of the burst', b.quarterRates.map((r) => r.toFixed(1)).join(', ') + ' msg/s'],
        [
          `cpu of one send alone (mean of ${b.cpuMsAlone.runs}, 90% interval)`,
          `${fmtMs(b.cpuMsAlone.mean)} (${b.cpuMsAlone.interval.map((x) => x.toFixed(1)).join('–')} ms)`,
        ],
        ...(b.cpuMsInBurst !== undefined
          ? [
              ['cpu per send in the burst (mean)', `${fmtMs(b.cpuMsInBurst)} (${fmtRatio(b.cpuMsInBurst / b.cpuMsAlone.mean)} of alone)`],
              ['share of the machine the burst got (cpu / wall × cores)', `${((b.machineShare ?? 0) * 100).toFixed(0)}%`],
            ]
          : []),
        ['-wal removed by a last connection closing, during the burst', fmtInt(b.walRemovals)],
        [`ideal: ${b.cores} cores / cpu of one send`, `${b.idealPerSecond.toFixed(1)} msg/s`],
        ['throughput / ideal', `${fmtRatio(b.ratio.value)} (${b.ratio.interval.map((x) => x.toFixed(2)).join('–')})`],
        ['send latency median', fmtMs(b.latency.median)],
        ['send latency p90', fmtMs(b.latency.p90)],
        ['send latency max', fmtMs(b.latency.max)],
      ],
    ),
  );
  out.push('  the interval of the ratio spans the slowest to the fastest quarter of the burst and the 90% interval of the cpu of one send;');
  out.push('  waiting for the write lock costs little when cpu per send in the burst stays near the cpu alone, and a share well under 100%');
  out.push('  means other work on the machine took the rest (the ratio then measures the machine, not agor)');
  if (!b.ok) out.push(...loudBurstError(b));
  out.push('');
}

/** Milliseconds with a sign, for the interval of a difference that may straddle zero. */
const fmtSigned = (ms: number): string => (ms < 0 ? `−${Math.abs(ms).toFixed(1)}` : ms.toFixed(1));

function printSandbox(s: SandboxSection, out: string[]): void {
  out.push(s.title);
  const open = s.open?.ms.median;
  const rows = (['boxed', 'open'] as const).flatMap((a) => {
    const l = s[a];
    if (!l) return [];
    return [
      [
        a === 'boxed' ? 'boxed (default sandbox)' : 'open (sandbox: off)',
        String(l.ms.n),
        fmtMs(l.ms.median),
        fmtMs(l.ms.p90),
        fmtMs(l.ms.min),
        fmtMs(l.ms.max),
        a === 'boxed' && open ? fmtRatio(l.ms.median / open) : '',
      ],
    ];
  });
  if (rows.length) out.push(table(['agent', 'runs', 'wake → running median', 'p90', 'min', 'max', 'vs open'], rows));
  if (s.ratio && s.addedMs) {
    out.push(
      `  default sandbox / sandbox: off: ${fmtRatio(s.ratio.value)} of the medians (90% interval ${s.ratio.interval.map((x) => x.toFixed(2)).join('–')}); ` +
        `added ${fmtMs(s.addedMs.value)} (${fmtSigned(s.addedMs.interval[0])}–${fmtSigned(s.addedMs.interval[1])} ms)`,
    );
  }
  if (s.helper) {
    const base = s.helper[0]!.ms.median;
    out.push(
      '',
      table(
        ['the helper alone (spawn to exit)', 'median', 'p90', 'min', 'vs the program alone', 'added (median)'],
        s.helper.map((h, i) => [
          h.name,
          fmtMs(h.ms.median),
          fmtMs(h.ms.p90),
          fmtMs(h.ms.min),
          i === 0 ? '' : fmtRatio(h.ms.median / base),
          i === 0 ? '' : fmtMs(h.ms.median - base),
        ]),
      ),
    );
  }
  for (const n of s.notes) out.push(`  ${n}`);
  if (!s.ok) out.push(...loudSandboxError(s));
  out.push('');
}

function printSecrets(s: SecretsSection, out: string[]): void {
  out.push(s.title);
  const none = s.none?.ms.median;
  const rows = (['three', 'none'] as const).flatMap((a) => {
    const l = s[a];
    if (!l) return [];
    const label = a === 'three' ? 'three (3 secrets)' : 'none (no secrets)';
    return [
      [label, String(l.ms.n), fmtMs(l.ms.median), fmtMs(l.ms.p90), fmtMs(l.ms.min), fmtMs(l.ms.max), a === 'three' && none ? fmtRatio(l.ms.median / none) : ''],
    ];
  });
  if (rows.length) out.push(table(['agent', 'runs', 'wake → running median', 'p90', 'min', 'max', 'vs none'], rows));
  if (s.ratio && s.addedMs) {
    out.push(
      `  three secrets / none: ${fmtRatio(s.ratio.value)} of the medians (90% interval ${s.ratio.interval.map((x) => x.toFixed(2)).join('–')}); ` +
        `added ${fmtMs(s.addedMs.value)} (${fmtSigned(s.addedMs.interval[0])}–${fmtSigned(s.addedMs.interval[1])} ms)`,
    );
  }
  for (const n of s.notes) out.push(`  ${n}`);
  if (!s.ok) out.push(`!!! section 13 did not complete: ${s.error ?? 'see above'}`);
  out.push('');
}

function printScrub(s: ScrubSection, out: string[]): void {
  out.push(
    s.title,
    table(
      ['scrubber', 'rounds', 'median', 'p90', 'min', 'MiB/s', 'vs identity (90% interval)', 'redactions per read'],
      s.arms.map((a, i) => [
        a.name,
        String(a.ms.n),
        fmtMs(a.ms.median),
        fmtMs(a.ms.p90),
        fmtMs(a.ms.min),
        a.mibPerSecond.toFixed(0),
        a.ratio ? `${fmtRatio(a.ratio.value)} (${a.ratio.interval.map((x) => x.toFixed(2)).join('–')})` : '',
        fmtInt(s.redactions[i]!),
      ]),
    ),
    "  in-process: followLogs from the file and the verb's printing, as agor logs -n 100000 does with no supervisor; process start-up excluded",
    '',
  );
}

function loudSandboxError(s: SandboxSection): string[] {
  const lines = ['', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'];
  lines.push('!!! ERROR: section 11 did not run cleanly');
  if (s.error) lines.push(`!!! ${s.error}`);
  if (!s.supervisorGone) lines.push('!!! the supervisor process was still alive 10 s after agor down (killed by the benchmark)');
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  return lines;
}

function loudBurstError(b: BurstSection): string[] {
  const lines = ['', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'];
  lines.push(`!!! ERROR: every one of ${fmtInt(b.expected)} sends must be stored once and none refused`);
  lines.push(`!!! ${fmtInt(b.stored)} stored, ${fmtInt(b.duplicates)} stored twice, ${fmtInt(b.failures)} refused`);
  if (b.firstFailure) lines.push(`!!! first refusal: ${b.firstFailure}`);
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  return lines;
}

function printDashboard(s: DashboardSection, out: string[]): void {
  const f = s.frames;
  out.push(s.title);
  if (f.views.length) {
    out.push(
      table(
        ['view', 'frames', 'change → frame median', 'p90', 'max', 'renders', 'open median', 'open p90', 'shows'],
        f.views.map((v) => [
          `${v.key} ${v.view}`,
          String(v.change.n),
          fmtMs(v.change.median),
          fmtMs(v.change.p90),
          fmtMs(v.change.max),
          v.rendersPerChange.toFixed(1),
          fmtMs(v.open.median),
          fmtMs(v.open.p90),
          v.shows.length > 40 ? `${v.shows.slice(0, 39)}…` : v.shows,
        ]),
      ),
    );
  }
  const i = s.idle;
  const fig = i.figures;
  out.push(
    '',
    table(
      ['process', 'pid', 'agents running before / after', 'first frame', 'window', 'CPU', 'CPU time', 'RSS median', 'RSS max', 'leftovers'],
      [
        [
          'agor dash (attached)',
          fig ? String(fig.pid) : '-',
          `${i.runningBefore} / ${i.runningAfter ?? '?'}`,
          i.firstFrameSeconds === undefined ? '-' : `${i.firstFrameSeconds.toFixed(2)} s`,
          fig ? `${fig.wallSeconds.toFixed(1)} s` : '-',
          fig ? pct(fig.cpuPercent) : '-',
          fig ? fmtMs(fig.cpuMs) : '-',
          fig ? mib(fig.rssKb.median) : '-',
          fig ? mib(fig.rssKb.max) : '-',
          String(i.leftovers),
        ],
      ],
    ),
  );
  for (const n of s.notes) out.push(`  ${n}`);
  if (!s.ok) out.push(...loudDashboardError(s));
  out.push('');
}

function loudDashboardError(s: DashboardSection): string[] {
  const lines = ['', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'];
  lines.push('!!! ERROR: section 9 did not run cleanly');
  if (s.frames.error) lines.push(`!!! frames: ${s.frames.error}`);
  if (s.idle.error) lines.push(`!!! idle dash: ${s.idle.error}`);
  if (s.idle.runningAfter !== undefined && s.idle.runningAfter !== DASH_AGENTS)
    lines.push(`!!! idle dash: ${s.idle.runningAfter} of ${DASH_AGENTS} agents running after the window`);
  if (s.idle.leftovers) lines.push(`!!! idle dash: ${s.idle.leftovers} sleep 100000 process(es) left after the tear-down (killed by the benchmark)`);
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  return lines;
}

function loudRestartError(s: RestartSection): string[] {
  const lines = ['', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'];
  lines.push(`!!! ERROR: each supervisor must restart the crashing agent ${s.wanted} times and stop cleanly`);
  for (const r of [s.agor, s.pm2]) {
    if (r.error) lines.push(`!!! ${r.supervisor}: ${r.error}`);
    if (!r.supervisorGone) lines.push(`!!! ${r.supervisor}: the supervisor process was still alive 10 s after the tear-down`);
  }
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  return lines;
}

function loudClaimError(c: ClaimRaceSection): string[] {
  const lines = ['', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'];
  lines.push(`!!! ERROR: every one of ${fmtInt(c.tasks)} tasks must be claimed exactly once, by a claimer that did not fail`);
  lines.push(`!!! ${fmtInt(c.claims)} claims for ${fmtInt(c.claimed)} distinct tasks; ${fmtInt(c.duplicates)} claimed twice; ${fmtInt(c.left)} left todo`);
  lines.push(`!!! the board shows ${fmtInt(c.onBoard)} tasks in progress under their claimer's lease`);
  if (c.failures) lines.push(`!!! ${c.failures} claim(s) failed; first: ${c.firstFailure}`);
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  return lines;
}

function loudThroughputError(t: ThroughputSection): string[] {
  const lines = ['', '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'];
  lines.push(`!!! ERROR: expected ${fmtInt(t.expected)} messages, ${fmtInt(t.arrived)} arrived`);
  if (t.failures) lines.push(`!!! ${t.failures} send process(es) failed; first: ${t.firstFailure}`);
  if (t.deadLetters) lines.push(`!!! ${t.deadLetters} message(s) went to the dead-letter queue`);
  lines.push('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const binary = snapshotBinary();
  process.on('exit', binary.remove);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      stopSupervisors();
      binary.remove();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  const agorHash = [7, 8, 9, 11].some((n) => args.only.has(n)) ? agorBundleHash() : undefined;
  const env = {
    node: process.version,
    cpus: cpus().length,
    btmsg_bundle_sha256: binary.hash,
    bttask_bundle_sha256: binary.bttaskHash,
    ...(agorHash ? { agor_bundle_sha256: agorHash } : {}),
    loadavg_start: loadavg().map((x) => +x.toFixed(2)),
  };
  const timed = [1, 2, 4, 5].some((n) => args.only.has(n));
  log(`btmsg/bttask/agor benchmark${timed ? `: ${args.rounds} rounds + ${args.warmup} warm-up per command, interleaved` : ''}${args.quick ? ' (quick)' : ''}`);
  const tag = args.only.has(2) || args.only.has(3) || args.only.has(5) || args.only.has(9) ? schemaTag() : '';

  // A section that cannot run (the binary fails during set-up) is reported, and the others still run.
  const errors: string[] = [];
  const attempt = async <T>(n: number, run: () => Promise<T>): Promise<T | undefined> => {
    if (!args.only.has(n)) return undefined;
    try {
      return await run();
    } catch (e) {
      const msg = `section ${n} could not run: ${e instanceof Error ? e.message : String(e)}`;
      errors.push(msg);
      log(`!!! ${msg}`);
      return undefined;
    }
  };
  const s1 = await attempt(1, () => startup(args, log));
  const s2 = await attempt(2, () => scale(args, log, tag));
  const s3 = await attempt(3, () => throughput(args, log, tag));
  const s4 = await attempt(4, () => boardStartup(args, log));
  const s5 = await attempt(5, () => boardScale(args, log, tag));
  const s6 = await attempt(6, () => claimRace(args, log, args.quick));
  const s7 = await attempt(7, () => idleSupervision(args.quick, log));
  const s8 = await attempt(8, () => restartLatency(args.quick, log));
  const s9 = await attempt(9, () => dashboard(args, args.quick, tag, log));
  const s10 = await attempt(10, () => burst(args.quick ? 5 : 20, args.quick ? 10 : 30, log));
  const s11 = await attempt(11, () => sandboxLatency(args, log));
  const s12 = await attempt(12, () => scrubThroughput(args, log));
  const s13 = await attempt(13, () => secretsLatency(args, log));
  const s14 = await attempt(14, () => relayLatency(args, log));
  const s15 = await attempt(15, () => relayIdle(args, log));
  const s16 = await attempt(16, () => relayEvents(args, log));
  const s17 = await attempt(17, () => hookLatency(args, log));
  const s18 = await attempt(18, () => otelCost(args, log));
  const s19 = await attempt(19, () => conflictCheckCost(args, log));
  const s20 = await attempt(20, () => searchLatency(args, log));
  for (const [n, s] of [
    [14, s14],
    [15, s15],
    [16, s16],
    [17, s17],
    [18, s18],
    [19, s19],
  ] as const)
    if (s?.error) errors.push(`section ${n}: ${s.error}`);
  // A supervisor that could not be started or measured is a section that did not run.
  for (const [n, s] of [
    [7, s7],
    [8, s8],
  ] as const) {
    for (const r of s ? [s.agor, s.pm2] : []) if (r.error) errors.push(`section ${n} (${r.supervisor}): ${r.error}`);
  }
  if (s9?.frames.error) errors.push(`section 9 (frames): ${s9.frames.error}`);
  if (s9?.idle.error) errors.push(`section 9 (idle agor dash): ${s9.idle.error}`);
  if (s11?.error) errors.push(`section 11: ${s11.error}`);
  if (errors.length) process.exitCode = 1;
  const loadEnd = loadavg().map((x) => +x.toFixed(2));

  const ratios = [...(s1?.ratios ?? []), ...(s2?.ratios ?? []), ...(s4?.ratios ?? []), ...(s5?.ratios ?? [])];
  if (args.json) {
    const figures = (cmds: CommandFigures[]) =>
      Object.fromEntries(
        cmds.map((c) => [c.name, { wall_ms: c.ms, samples_ms: c.samples.map((x) => +x.toFixed(1)), ...(c.cpuMs !== undefined ? { cpu_ms_mean: c.cpuMs } : {}) }]),
      );
    const out = {
      ...env,
      loadavg_end: loadEnd,
      rounds: args.rounds,
      warmup: args.warmup,
      quick: args.quick,
      ...(errors.length ? { errors } : {}),
      ...(s1 ? { startup: { commands: figures(s1.commands), ratios: s1.ratios } } : {}),
      ...(s2 ? { inbox_scale: { commands: figures(s2.commands), ratios: s2.ratios, big_db: s2.bigDb } } : {}),
      ...(s3 ? { throughput: s3 } : {}),
      ...(s4 ? { board_startup: { commands: figures(s4.commands), ratios: s4.ratios } } : {}),
      ...(s5 ? { ready_scale: { commands: figures(s5.commands), ratios: s5.ratios, big_board: s5.bigBoard } } : {}),
      ...(s6 ? { claim_race: s6 } : {}),
      ...(s7 ? { idle_supervision: s7 } : {}),
      ...(s8 ? { restart_latency: s8 } : {}),
      ...(s9 ? { dashboard: s9 } : {}),
      ...(s10 ? { burst: s10 } : {}),
      ...(s11 ? { sandbox_latency: s11 } : {}),
      ...(s12 ? { scrub_throughput: s12 } : {}),
      ...(s13 ? { secrets_latency: s13 } : {}),
      ...(s14 ? { relay_latency: s14 } : {}),
      ...(s15 ? { relay_idle: s15 } : {}),
      ...(s16 ? { relay_events: s16 } : {}),
      ...(s17 ? { hook_latency: s17 } : {}),
      ...(s18 ? { otel_cost: s18 } : {}),
      ...(s19 ? { conflict_check: s19 } : {}),
      ...(s20 ? { search_latency: s20 } : {}),
      summary: {
        ratios: ratios.map((r) => ({
          name: r.name,
          value: r.value,
          interval90: r.interval,
          cpu_ratio: r.cpu,
          ...(r.cpuInterval ? { cpu_interval90: r.cpuInterval } : {}),
          target: r.target,
          ...(r.cpuTarget !== undefined ? { cpu_target: r.cpuTarget } : {}),
          pass: r.pass,
        })),
        ...(s3 ? { messages_per_second: s3.messagesPerSecond, delivery_ok: s3.ok } : {}),
        ...(s6 ? { claims_per_second: s6.claimsPerSecond, claims_ok: s6.ok } : {}),
        ...(s7
          ? {
              supervisor_rss_ratio: { value: s7.rssRatio ?? null, target: s7.rssTarget, pass: s7.rssPass ?? null, before_sandbox: RSS_RATIO_BEFORE_SANDBOX },
              agor_idle_cpu_percent: { value: s7.agor.figures?.cpuPercent ?? null, target: s7.cpuTarget, pass: s7.cpuPass ?? null },
              pm2_idle_cpu_percent: s7.pm2.figures?.cpuPercent ?? null,
              idle_supervision_ok: s7.ok,
            }
          : {}),
        ...(s8
          ? {
              restart_latency_ms: {
                median: s8.agor.latency?.median ?? null,
                p90: s8.agor.latency?.p90 ?? null,
                max: s8.agor.latency?.max ?? null,
                target: s8.target,
                pass: s8.pass ?? null,
              },
              pm2_restart_latency_ms: s8.pm2.latency ? { median: s8.pm2.latency.median, p90: s8.pm2.latency.p90, max: s8.pm2.latency.max } : null,
              pm2_restart_to_online_ms: s8.pm2.spawned ? { median: s8.pm2.spawned.median, p90: s8.pm2.spawned.p90, max: s8.pm2.spawned.max } : null,
              restart_latency_ok: s8.ok,
            }
          : {}),
        ...(s9
          ? {
              dashboard_frame_ms: Object.fromEntries(
                s9.frames.views.map((v) => [
                  v.view.toLowerCase(),
                  { median: v.change.median, p90: v.change.p90, max: v.change.max, target: s9.frameTarget, pass: s9.framePass?.[v.view] ?? null },
                ]),
              ),
              dashboard_idle_cpu_percent: { value: s9.idle.figures?.cpuPercent ?? null, target: s9.cpuTarget, pass: s9.cpuPass ?? null },
              dashboard_ok: s9.ok,
            }
          : {}),
        ...(s10 ? { burst_sends_per_second: s10.sendsPerSecond, burst_vs_ideal: { value: s10.ratio.value, interval: s10.ratio.interval }, burst_ok: s10.ok } : {}),
        ...(s11
          ? {
              sandbox_start_ratio: s11.ratio ? { value: s11.ratio.value, interval90: s11.ratio.interval, target: s11.ratio.target, pass: s11.ratio.pass } : null,
              sandbox_added_ms: s11.addedMs
                ? { value: s11.addedMs.value, interval90: s11.addedMs.interval, target: s11.addedMs.target, pass: s11.addedMs.pass }
                : null,
              sandbox_ok: s11.ok,
            }
          : {}),
        ...(s12
          ? {
              scrub_logs_ratio: Object.fromEntries(
                s12.arms
                  .slice(1)
                  .map((a) => [a.name, { value: a.ratio!.value, interval90: a.ratio!.interval, target: s12.target, pass: a.ratio!.value <= s12.target }]),
              ),
            }
          : {}),
        ...(s13
          ? {
              secrets_start_ratio: s13.ratio ? { value: s13.ratio.value, interval90: s13.ratio.interval } : null,
              secrets_added_ms: s13.addedMs ? { value: s13.addedMs.value, interval90: s13.addedMs.interval } : null,
              secrets_ok: s13.ok,
            }
          : {}),
        ...(s14?.relay
          ? {
              relay_added_ms: {
                p50: s14.addedP50Ms,
                p99: s14.addedP99Ms,
                target_p50: RELAY_ADDED_P50_MS,
                target_p99: RELAY_ADDED_P99_MS,
                pass: s14.pass,
              },
            }
          : {}),
        ...(s15?.relay ? { relay_idle: { rss_kb_median: s15.relay.rssKb.median, cpu_percent: s15.relay.cpuPercent } } : {}),
        ...(s16?.relay
          ? {
              relay_events_per_second: s16.relay.perSecond,
              socket_events_per_second: s16.socket!.perSecond,
              relay_delivered: s16.delivered ?? null,
              relay_cpu_ms_per_event: s16.cpuMsPerEvent ?? null,
              relay_sustained_events_per_second: s16.ceiling?.sustained ?? null,
            }
          : {}),
        ...(s17?.hook && s17.socket
          ? { hook_start_ms: { p50: s17.hook.p50, p99: s17.hook.p99 }, hook_vs_socket: { p50: s17.hook.p50 / s17.socket.p50, p99: s17.hook.p99 / s17.socket.p99 } }
          : {}),
      },
    };
    const tidy = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toFixed(3) : v);
    process.stdout.write(JSON.stringify(out, tidy, 2) + '\n');
    if (s3 && !s3.ok) log(loudThroughputError(s3).join('\n'));
    if (s6 && !s6.ok) log(loudClaimError(s6).join('\n'));
    if (s7 && !s7.ok) log(loudIdleError(s7).join('\n'));
    if (s8 && !s8.ok) log(loudRestartError(s8).join('\n'));
    if (s9 && !s9.ok) log(loudDashboardError(s9).join('\n'));
    if (s10 && !s10.ok) log(loudBurstError(s10).join('\n'));
    if (s11 && !s11.ok) log(loudSandboxError(s11).join('\n'));
    return;
  }

  const out: string[] = [
    '',
    `btmsg/bttask/agor benchmark — dist/btmsg.cjs (bundle ${env.btmsg_bundle_sha256}), dist/bttask.cjs (bundle ${env.bttask_bundle_sha256}), ` +
      (agorHash ? `dist/agor.cjs (bundle ${agorHash}), ` : '') +
      `node ${env.node}, ${env.cpus} cores, ` +
      `load ${env.loadavg_start.join(' ')} → ${loadEnd.join(' ')}`,
  ];
  if (timed) out.push(`${args.rounds} rounds + ${args.warmup} warm-up per command, round-robin; wall time per process, ratios of medians`);
  const busiest = Math.max(env.loadavg_start[0]!, loadEnd[0]!);
  if (busiest > env.cpus) out.push(`note: the machine is busy (1-min load up to ${busiest} on ${env.cpus} cores): absolute times are inflated; read the ratios`);
  out.push('');
  for (const e of errors) out.push(`!!! ${e}`, '');
  if (s1) printTiming(s1, out);
  if (s2) printTiming(s2, out);
  if (s3) printThroughput(s3, out);
  if (s4) printTiming(s4, out);
  if (s5) printTiming(s5, out);
  if (s6) printClaims(s6, out);
  if (s7) printIdle(s7, out);
  if (s8) printRestarts(s8, out);
  if (s9) printDashboard(s9, out);
  if (s10) printBurst(s10, out);
  if (s11) printSandbox(s11, out);
  if (s12) printScrub(s12, out);
  if (s13) printSecrets(s13, out);
  printRelay(s14, s15, s16, out);
  printHooks(s17, out);
  printOtel(s18, out);
  printConflictChecks(s19, out);
  if (s20) printSearch(s20, out);
  const rows = ratios.map((r) => [
    r.name,
    fmtRatio(r.value),
    `${r.interval[0].toFixed(2)}–${r.interval[1].toFixed(2)}`,
    r.cpu === undefined ? '-' : `${fmtRatio(r.cpu)}${r.cpuInterval ? ` (${r.cpuInterval[0].toFixed(2)}–${r.cpuInterval[1].toFixed(2)})` : ''}`,
    `≤ ${fmtRatio(r.target)}${r.cpuTarget !== undefined ? ' (both)' : ''}`,
    r.pass ? 'PASS' : 'MISS',
  ]);
  if (s3)
    rows.push([`${s3.senders} concurrent senders`, `${s3.messagesPerSecond.toFixed(1)} msg/s`, '', '', 'no target', s3.ok ? 'all delivered' : 'LOST MESSAGES']);
  if (s6) rows.push([`${s6.claimers} racing claimers`, `${s6.claimsPerSecond.toFixed(1)} claims/s`, '', '', 'no target', s6.ok ? 'each task once' : 'CLAIM ERRORS']);
  if (s7) {
    const a = s7.agor.figures;
    const p = s7.pm2.figures;
    const clean = s7.ok ? '' : ' (RUN ERRORS)';
    if (s7.rssRatio !== undefined) {
      rows.push([
        `agor / pm2 supervisor RSS, ${s7.agents} idle sandboxed agents (${fmtRatio(RSS_RATIO_BEFORE_SANDBOX)} before the sandbox)`,
        fmtRatio(s7.rssRatio),
        '',
        a && p && p.cpuMs > 0 ? fmtRatio(a.cpuMs / p.cpuMs) : '-',
        `≤ ${fmtRatio(s7.rssTarget)}`,
        (s7.rssPass ? 'PASS' : 'MISS') + clean,
      ]);
    }
    if (a) rows.push(['agor supervisor idle CPU', pct(a.cpuPercent), '', '', `< ${s7.cpuTarget}%`, (s7.cpuPass ? 'PASS' : 'MISS') + clean]);
    if (p) rows.push(['pm2 God daemon idle CPU', pct(p.cpuPercent), '', '', 'no target', '']);
  }
  if (s8) {
    const clean = s8.ok ? '' : ' (RUN ERRORS)';
    if (s8.agor.latency)
      rows.push(['agor crash to restart beyond backoff (median)', fmtMs(s8.agor.latency.median), '', '', `< ${s8.target} ms`, (s8.pass ? 'PASS' : 'MISS') + clean]);
    if (s8.pm2.latency) rows.push(['pm2 crash to restart beyond restart_delay (median)', fmtMs(s8.pm2.latency.median), '', '', 'no target', '']);
  }
  if (s9) {
    const clean = s9.ok ? '' : ' (RUN ERRORS)';
    for (const v of s9.frames.views) {
      rows.push([
        `dashboard frame after a change, ${v.view} (median, p90)`,
        `${fmtMs(v.change.median)}, ${fmtMs(v.change.p90)}`,
        '',
        '',
        `p90 < ${s9.frameTarget} ms`,
        (s9.framePass?.[v.view] ? 'PASS' : 'MISS') + clean,
      ]);
    }
    const f = s9.idle.figures;
    if (f)
      rows.push([`agor dash idle CPU, attached to ${DASH_AGENTS} agents`, pct(f.cpuPercent), '', '', `< ${s9.cpuTarget}%`, (s9.cpuPass ? 'PASS' : 'MISS') + clean]);
  }
  if (s10) {
    rows.push([
      `${s10.senders} × ${s10.perSender} concurrent sends / ideal (${s10.idealPerSecond.toFixed(1)} msg/s)`,
      `${s10.sendsPerSecond.toFixed(1)} msg/s = ${fmtRatio(s10.ratio.value)}`,
      `${s10.ratio.interval[0].toFixed(2)}–${s10.ratio.interval[1].toFixed(2)}`,
      '',
      'no target',
      s10.ok ? 'all stored, none refused' : 'REFUSED OR LOST',
    ]);
  }
  if (s11) {
    const clean = s11.ok ? '' : ' (RUN ERRORS)';
    const r = s11.ratio;
    const d = s11.addedMs;
    if (r)
      rows.push([
        'agent start to running, default sandbox / sandbox: off',
        fmtRatio(r.value),
        `${r.interval[0].toFixed(2)}–${r.interval[1].toFixed(2)}`,
        '',
        `≤ ${fmtRatio(r.target)}`,
        (r.pass ? 'PASS' : 'MISS') + clean,
      ]);
    if (d)
      rows.push([
        'time the sandbox adds to the start (median difference)',
        fmtMs(d.value),
        `${fmtSigned(d.interval[0])}–${fmtSigned(d.interval[1])} ms`,
        '',
        `< ${d.target} ms`,
        (d.pass ? 'PASS' : 'MISS') + clean,
      ]);
  }
  if (s12)
    for (const a of s12.arms.slice(1))
      rows.push([
        `agor logs on a 10 MiB log, ${a.name} / identity`,
        fmtRatio(a.ratio!.value),
        `${a.ratio!.interval[0].toFixed(2)}–${a.ratio!.interval[1].toFixed(2)}`,
        '',
        `≤ ${fmtRatio(s12.target)}`,
        a.ratio!.value <= s12.target ? 'PASS' : 'MISS',
      ]);
  if (s13?.ratio && s13.addedMs) {
    const clean = s13.ok ? '' : ' (RUN ERRORS)';
    rows.push(
      [
        'agent start to running, three secrets / none',
        fmtRatio(s13.ratio.value),
        `${s13.ratio.interval[0].toFixed(2)}–${s13.ratio.interval[1].toFixed(2)}`,
        '',
        'no target',
        'side by side' + clean,
      ],
      [
        'time three secrets add to the start (median difference)',
        fmtMs(s13.addedMs.value),
        `${fmtSigned(s13.addedMs.interval[0])}–${fmtSigned(s13.addedMs.interval[1])} ms`,
        '',
        'no target',
        'side by side' + clean,
      ],
    );
  }
  if (s14?.relay && s14.socket)
    rows.push(
      [
        'time the relay adds to a request, p50',
        fmtMs(s14.addedP50Ms!),
        '',
        '',
        `≤ ${RELAY_ADDED_P50_MS} ms`,
        s14.addedP50Ms! <= RELAY_ADDED_P50_MS ? 'PASS' : 'MISS',
      ],
      [
        'time the relay adds to a request, p99',
        fmtMs(s14.addedP99Ms!),
        '',
        '',
        `≤ ${RELAY_ADDED_P99_MS} ms`,
        s14.addedP99Ms! <= RELAY_ADDED_P99_MS ? 'PASS' : 'MISS',
      ],
    );
  if (s16?.relay && s16.delivered !== undefined)
    rows.push(['events through the relay / on the socket', fmtRatio(s16.delivered), '', '', 'no target', `${s16.relay.perSecond.toFixed(1)} ev/s`]);
  if (s16?.ceiling)
    rows.push([
      'events/s one relay sustains to one dashboard',
      s16.ceiling.sustained === null ? '-' : Math.round(s16.ceiling.sustained).toLocaleString('en-US'),
      '',
      '',
      'no target',
      'stepped source',
    ]);
  if (s17?.hook && s17.socket)
    rows.push([
      'hook process start after a wake, p50 / p99',
      `${fmtMs(s17.hook.p50)} / ${fmtMs(s17.hook.p99)}`,
      '',
      '',
      'no target',
      `${fmtRatio(s17.hook.p50 / s17.socket.p50)} / ${fmtRatio(s17.hook.p99 / s17.socket.p99)} of the socket's`,
    ]);
  out.push(
    `Summary (ratios of medians; 90% bootstrap interval over rounds${s7 ? '; section 7: cpu ratio = agor / pm2 CPU time' : ''})`,
    table(['figure', 'value', '90% interval', 'cpu ratio (90%)', 'target', ''], rows),
    '',
  );
  process.stdout.write(out.join('\n'));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
