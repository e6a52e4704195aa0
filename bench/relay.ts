// Sections 14-16: the relay. What a request through agor-relay (TLS WebSocket, on
// loopback) costs against the same request on the supervisor's Unix socket, the relay's
// idle RSS and CPU with three dashboards and 100 agents, and the events per second one
// relay passes to one dashboard against the socket itself. Real processes throughout:
// agor up -d, agor-relay init and agor-relay (the built binaries); the clients are the
// library's own RelayClient and a plain socket client in this process.
import Database from 'better-sqlite3';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { type Socket, createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { RelayClient } from '../src/relay/client.js';
import { LineSplitter } from '../src/supervisor/jsonlines.js';
import { REPO, type Log, tempDir } from './fixtures.js';
import { type Percentiles, fmtMs, fmtRatio, percentileTable, percentiles, table } from './harness.js';
import { type ProcessFigures, agorSupervisor, gone, pending, sampleProcess, sweepLeftovers } from './supervisor.js';
import { type Ceiling, relayCeiling } from './relay-ceiling.js';

const AGOR_RELAY = join(REPO, 'dist', 'agor-relay.cjs');

/** Dashboards connected (subscribed, reading events) while sections 14 and 15 measure. */
export const RELAY_DASHBOARDS = 3;
/** Agents under the supervisor of section 15. */
export const RELAY_IDLE_AGENTS = 100;
/** Targets of section 14: what the relay may add to a request on loopback. */
export const RELAY_ADDED_P50_MS = 10;
export const RELAY_ADDED_P99_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const elapsedMs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

export type { Percentiles };

// ---- a plain control-socket client ----

/** One connection to the supervisor's socket: requests by id, events counted and handed on. */
export class SocketClient {
  private next = 1;
  private readonly waiting = new Map<number, (l: Record<string, unknown>) => void>();
  private readonly split = new LineSplitter();
  onEvent: (e: Record<string, unknown>) => void = () => undefined;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (chunk: Buffer) => {
      for (const line of this.split.take(chunk)) {
        if (!line) continue;
        const m = JSON.parse(line) as Record<string, unknown>;
        if ('ok' in m) {
          const w = this.waiting.get(m.id as number);
          this.waiting.delete(m.id as number);
          w?.(m);
        } else if (typeof m.event === 'string') this.onEvent(m);
      }
    });
    sock.on('error', () => undefined);
  }

  static open(path: string): Promise<SocketClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      sock.once('connect', () => resolve(new SocketClient(sock)));
      sock.once('error', reject);
    });
  }

  request(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.sock.write(`${JSON.stringify({ ...args, id, op })}\n`);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

// ---- one host: a supervisor and its relay ----

interface RelayHost {
  dir: string;
  db: string;
  socket: string;
  supervisorPid: number;
  relay: ChildProcess;
  url: string;
  pin: string;
  token: string;
  /** Stops the relay (SIGTERM, then SIGKILL), the supervisor (agor down), sweeps and removes the directory. */
  stop(): Promise<void>;
}

/** A port nobody listens on now (bound, read back, released). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** The supervisor's socket, from its lock row (docs/protocol.md: read it, do not compute it). */
export function socketOf(db: string): string {
  const d = new Database(db, { readonly: true });
  try {
    const row = d.prepare('SELECT socket FROM supervisor').get() as { socket?: string } | undefined;
    if (!row?.socket) throw new Error(`no supervisor row in ${db}`);
    return row.socket;
  } finally {
    d.close();
  }
}

/** An agor-relay process on 127.0.0.1, with its own admin token. */
export interface RelayProcess {
  relay: ChildProcess;
  url: string;
  pin: string;
  token: string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * `agor-relay init` and `agor-relay` for the database `env.AGOR_DB`. No session bus: the
 * relay keeps its token in its 0600 file, not in the user's keyring.
 */
export async function launchRelay(env: NodeJS.ProcessEnv, label: string, log: Log): Promise<RelayProcess> {
  if (!existsSync(AGOR_RELAY)) throw new Error('dist/agor-relay.cjs is missing; run npm run build (npm run bench does it)');
  env = { ...env };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  const port = await freePort();
  const init = spawnSync(process.execPath, [AGOR_RELAY, 'init', '--json', '--listen', `127.0.0.1:${port}`], { env, encoding: 'utf8', timeout: 30_000 });
  if (init.status !== 0) throw new Error(`agor-relay init failed (exit ${init.status}): ${(init.stderr || init.stdout).slice(0, 500)}`);
  const made = JSON.parse(init.stdout) as { url: string; pin: string; token: string };
  const relay = spawn(process.execPath, [AGOR_RELAY, '--listen', `127.0.0.1:${port}`, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    if (relay.exitCode === null && relay.signalCode === null) {
      relay.kill('SIGTERM');
      if (!(await gone(relay.pid!, 5000))) relay.kill('SIGKILL');
    }
  };
  try {
    let out = '';
    let err = '';
    relay.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    relay.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const t0 = Date.now();
    while (!/"event":"listening"/.test(out)) {
      if (relay.exitCode !== null) throw new Error(`agor-relay exited ${relay.exitCode}: ${err.slice(0, 500)}`);
      if (Date.now() - t0 > 20_000) throw new Error(`agor-relay did not listen within 20 s: ${err.slice(0, 500)}`);
      await sleep(50);
    }
    // The log keeps flowing (a line per connection): drain it so a full pipe never stalls the relay.
    relay.stdout!.removeAllListeners('data').resume();
    log(`  ${label}: relay ${relay.pid} on ${made.url}`);
    return { relay, url: made.url, pin: made.pin, token: made.token, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `agor up -d` on `yaml` and an agor-relay in front of it on 127.0.0.1, with its own admin token. */
async function relayHost(label: string, yaml: string, log: Log): Promise<RelayHost> {
  const dir = tempDir(`relay-${label}`);
  const sup = agorSupervisor(dir, yaml);
  let relay: RelayProcess | undefined;
  let supervisorPid: number | undefined;
  const stop = async () => {
    await relay?.stop();
    try {
      sup.stop();
    } finally {
      pending.delete(`relay-${label}`);
      if (supervisorPid !== undefined && !(await gone(supervisorPid, 10_000))) process.kill(supervisorPid, 'SIGKILL');
      await sweepLeftovers(sup.marks, []);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  pending.set(`relay-${label}`, () => {
    relay?.relay.kill('SIGKILL');
    sup.stop();
  });
  try {
    log(`  ${label}: agor up -d …`);
    supervisorPid = sup.start();
    relay = await launchRelay({ ...sup.env, AGOR_DB: sup.db }, label, log);
    log(`  ${label}: supervisor ${supervisorPid}`);
    return { dir, db: sup.db, socket: socketOf(sup.db), supervisorPid, relay: relay.relay, url: relay.url, pin: relay.pin, token: relay.token, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

const connect = (h: RelayHost) => RelayClient.connect({ url: h.url, pin: h.pin, token: h.token, timeoutMs: 20_000 });

/** `n` dashboards: subscribed relay clients that read every event (and count them). */
async function dashboards(h: RelayHost, n: number): Promise<{ clients: RelayClient[]; events: () => number }> {
  let events = 0;
  const clients: RelayClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await connect(h);
    c.onEvent = () => void events++;
    await c.request('subscribe');
    clients.push(c);
  }
  return { clients, events: () => events };
}

const yamlOf = (agents: string[], agent: (id: string) => string[]): string =>
  ['group: bench', 'max_concurrent: 200', 'agents:', ...agents.flatMap((id) => [`  ${id}:`, '    role: project', ...agent(id)]), ''].join('\n');

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);

const sleepers = (n: number) => yamlOf(ids('a', n), () => ['    command: ["sleep", "100000"]', '    mode: service', '    env:', '      AGOR_BENCH_RUN: "@MARK@"']);

/** Polls `list` until every agent runs. */
async function allRunning(c: SocketClient, n: number, timeoutMs = 90_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = (await c.request('list')) as { result?: { state: string; pid: number | null }[] };
    const running = (r.result ?? []).filter((a) => a.state === 'running' && a.pid !== null).length;
    if (running >= n) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${running} of ${n} agents running after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

// ---- section 14: latency ----

export interface RelayLatencySection {
  title: string;
  rounds: number;
  socket?: Percentiles;
  relay?: Percentiles;
  /** relay − socket, at p50 and p99. */
  addedP50Ms?: number;
  addedP99Ms?: number;
  dashboardEvents?: number;
  pass?: boolean;
  notes: string[];
  error?: string;
}

/**
 * Section 14: the round trip of `list` through a relay on loopback against the same
 * request on the control socket, alternating one of each per round, with three
 * subscribed dashboards connected to the relay meanwhile.
 */
export async function relayLatency(o: { rounds: number; warmup: number; quick: boolean }, log: Log): Promise<RelayLatencySection> {
  const rounds = Math.max(o.rounds * 10, o.quick ? 200 : 1000);
  const s: RelayLatencySection = {
    title: `Section 14 — what the relay adds to a request: list through agor-relay (wss on loopback) vs the control socket, ${RELAY_DASHBOARDS} dashboards connected (targets: +${RELAY_ADDED_P50_MS} ms at p50, +${RELAY_ADDED_P99_MS} ms at p99)`,
    rounds,
    notes: [],
  };
  log(`section 14: list through the relay vs the control socket, ${rounds} rounds …`);
  let h: RelayHost | undefined;
  try {
    // Ten sleeping agents to list, and one on-demand agent woken five times a second so the dashboards have events to read.
    h = await relayHost('latency', `${sleepers(10)}  pulse:\n    role: project\n    command: ["true"]\n    mode: on-demand\n`, log);
    const sock = await SocketClient.open(h.socket);
    await allRunning(sock, 10);
    const dash = await dashboards(h, RELAY_DASHBOARDS);
    const relay = await connect(h);
    const pulser = await SocketClient.open(h.socket);
    const pulse = setInterval(() => void pulser.request('wake', { agent: 'pulse', reason: 'bench' }), 200);
    const viaRelay: number[] = [];
    const viaSocket: number[] = [];
    for (let i = 0; i < o.warmup * 10 + rounds; i++) {
      // Alternate which goes first, so neither always meets a warmer cache.
      const order = i % 2 ? (['relay', 'socket'] as const) : (['socket', 'relay'] as const);
      for (const which of order) {
        const t0 = process.hrtime.bigint();
        if (which === 'relay') await relay.request('list');
        else {
          const r = await sock.request('list');
          if (r.ok !== true) throw new Error(`list on the socket failed: ${JSON.stringify(r.error)}`);
        }
        if (i >= o.warmup * 10) (which === 'relay' ? viaRelay : viaSocket).push(elapsedMs(t0));
      }
    }
    s.socket = percentiles(viaSocket);
    s.relay = percentiles(viaRelay);
    s.addedP50Ms = s.relay.p50 - s.socket.p50;
    s.addedP99Ms = s.relay.p99 - s.socket.p99;
    clearInterval(pulse);
    pulser.close();
    s.dashboardEvents = dash.events();
    s.pass = s.addedP50Ms <= RELAY_ADDED_P50_MS && s.addedP99Ms <= RELAY_ADDED_P99_MS;
    s.notes.push(
      `one request in flight at a time, on connections opened before the rounds (the TLS and upgrade cost is not in the figures); 11 agents listed; the dashboards got ${s.dashboardEvents} events meanwhile`,
    );
    relay.close();
    for (const c of dash.clients) c.close();
    sock.close();
  } catch (e) {
    s.error = e instanceof Error ? e.message : String(e);
    log(`!!! section 14: ${s.error}`);
  } finally {
    await h?.stop().catch((e: unknown) => log(`!!! section 14 tear-down: ${String(e)}`));
  }
  return s;
}

// ---- section 15: idle cost ----

export interface RelayIdleSection {
  title: string;
  agents: number;
  seconds: number;
  relay?: ProcessFigures;
  /** The supervisor over the same window, for scale. */
  supervisor?: ProcessFigures;
  /** Events the dashboards received during the window. */
  dashboardEvents?: number;
  notes: string[];
  error?: string;
}

/** Section 15: the relay process's RSS and CPU over 10 s with 3 subscribed dashboards and 100 sleeping agents. */
export async function relayIdle(o: { quick: boolean }, log: Log): Promise<RelayIdleSection> {
  const seconds = 10;
  const s: RelayIdleSection = {
    title: `Section 15 — the relay at rest: RSS and CPU over ${seconds} s with ${RELAY_DASHBOARDS} subscribed dashboards and ${RELAY_IDLE_AGENTS} sleeping agents`,
    agents: RELAY_IDLE_AGENTS,
    seconds,
    notes: [],
  };
  log(`section 15: the relay idle with ${RELAY_IDLE_AGENTS} agents and ${RELAY_DASHBOARDS} dashboards …`);
  let h: RelayHost | undefined;
  try {
    h = await relayHost('idle', sleepers(RELAY_IDLE_AGENTS), log);
    const sock = await SocketClient.open(h.socket);
    await allRunning(sock, RELAY_IDLE_AGENTS);
    sock.close();
    const dash = await dashboards(h, RELAY_DASHBOARDS);
    // Each dashboard reads a snapshot, as the dashboard does on connect.
    for (const c of dash.clients) await Promise.all([c.request('list'), c.request('fleet').catch(() => undefined)]);
    await sleep(o.quick ? 2000 : 5000);
    const before = dash.events();
    [s.relay, s.supervisor] = await Promise.all([sampleProcess(h.relay.pid!, seconds), sampleProcess(h.supervisorPid, seconds)]);
    s.dashboardEvents = dash.events() - before;
    s.notes.push('RSS sampled once a second; CPU = (utime + stime) over the window / its wall time, in percent of one core');
    for (const c of dash.clients) c.close();
  } catch (e) {
    s.error = e instanceof Error ? e.message : String(e);
    log(`!!! section 15: ${s.error}`);
  } finally {
    await h?.stop().catch((e: unknown) => log(`!!! section 15 tear-down: ${String(e)}`));
  }
  return s;
}

// ---- section 16: events per second ----

export interface EventRateArm {
  events: number;
  perSecond: number;
  /** From the first event to the last one this client received, seconds. */
  spanSeconds: number;
}

export interface RelayEventsSection {
  title: string;
  seconds: number;
  runs?: number;
  socket?: EventRateArm;
  relay?: EventRateArm;
  /** Relay events / socket events: 1 when the relay passed on everything. */
  delivered?: number;
  /** How long after the socket's last event the relay's last one arrived, ms. */
  tailMs?: number;
  relayOwnEvents?: number;
  /** The relay process over the driving window: CPU per event passed on, and the rate one core would allow at that cost. */
  relayCpu?: ProcessFigures;
  cpuMsPerEvent?: number;
  /** The same relay fed by a source faster than any supervisor: the rate it sustains to one dashboard. */
  ceiling?: Ceiling;
  notes: string[];
  error?: string;
}

/** The supervisor's own event types (docs/protocol.md); the relay's `changed` and `upstream` are counted apart. */
const SUPERVISOR_EVENTS = new Set(['state', 'run_start', 'run_end', 'stall', 'wake', 'log', 'supervisor']);

/**
 * Section 16: as many short on-demand runs as the supervisor will start (each gives
 * wake, run_start, run_end and state events), counted by one subscribed client on the
 * control socket and one subscribed dashboard through the relay, side by side.
 */
export async function relayEvents(o: { quick: boolean }, log: Log): Promise<RelayEventsSection> {
  const seconds = o.quick ? 5 : 15;
  const agents = ids('e', 20);
  const s: RelayEventsSection = {
    title: `Section 16 — events per second to one dashboard: through the relay vs on the control socket (${agents.length} on-demand agents woken as fast as they run, ${seconds} s)`,
    seconds,
    notes: [],
  };
  log(`section 16: events through the relay vs the control socket for ${seconds} s …`);
  let h: RelayHost | undefined;
  try {
    h = await relayHost(
      'events',
      yamlOf(agents, () => ['    command: ["true"]', '    mode: on-demand']),
      log,
    );
    const counts = { socket: { n: 0, first: 0, last: 0 }, relay: { n: 0, first: 0, last: 0 }, own: 0 };
    const count = (c: { n: number; first: number; last: number }) => {
      const now = performance.now();
      if (!c.n) c.first = now;
      c.n++;
      c.last = now;
    };
    const watcher = await SocketClient.open(h.socket);
    watcher.onEvent = (e) => void (SUPERVISOR_EVENTS.has(e.event as string) && count(counts.socket));
    await watcher.request('subscribe');
    const dash = await connect(h);
    dash.onEvent = (e) => (SUPERVISOR_EVENTS.has(e.event) ? count(counts.relay) : void counts.own++);
    await dash.request('subscribe');
    const driver = await SocketClient.open(h.socket);
    const deadline = Date.now() + seconds * 1000;
    let runs = 0;
    const relayEventsBefore = counts.relay.n;
    const cpu = sampleProcess(h.relay.pid!, seconds);
    // One waker per agent: wake it, and wake it again once the wake is queued (coalescing takes the rest).
    await Promise.all(
      agents.map(async (agent) => {
        while (Date.now() < deadline) {
          const r = await driver.request('wake', { agent, reason: 'bench' });
          if (r.ok !== true) throw new Error(`wake ${agent}: ${JSON.stringify(r.error)}`);
          runs++;
          await sleep(20);
        }
      }),
    );
    s.relayCpu = await cpu;
    const duringWindow = counts.relay.n - relayEventsBefore;
    if (duringWindow > 0 && s.relayCpu.cpuMs > 0) {
      s.cpuMsPerEvent = s.relayCpu.cpuMs / duringWindow;
    }
    // Let the last runs end and their events arrive: quiet on both for 2 s (30 s at most).
    const t0 = Date.now();
    let seen = -1;
    while (Date.now() - t0 < 30_000) {
      await sleep(2000);
      const now = counts.socket.n + counts.relay.n;
      if (now === seen) break;
      seen = now;
    }
    const arm = (c: { n: number; first: number; last: number }): EventRateArm => {
      const span = (c.last - c.first) / 1000;
      return { events: c.n, perSecond: span > 0 ? c.n / span : 0, spanSeconds: span };
    };
    s.runs = runs;
    s.socket = arm(counts.socket);
    s.relay = arm(counts.relay);
    s.delivered = s.socket.events ? s.relay.events / s.socket.events : undefined;
    s.tailMs = counts.relay.last - counts.socket.last;
    s.relayOwnEvents = counts.own;
    s.notes.push(
      `${runs} wakes asked; events counted: state, run_start, run_end, stall, wake, log, supervisor (the relay's own changed/upstream apart: ${counts.own})`,
      'the rate is the supervisor\'s: both clients see the same stream, so the figure to read is "delivered" (1.00: nothing lost) and the tail (how far the relay lagged behind at the end)',
    );
    dash.close();
    watcher.close();
    driver.close();
    await h.stop();
    h = undefined;
    log('section 16: the relay fed faster than a supervisor can, stepping the rate up …');
    s.ceiling = await relayCeiling(o, log);
  } catch (e) {
    s.error = e instanceof Error ? e.message : String(e);
    log(`!!! section 16: ${s.error}`);
  } finally {
    await h?.stop().catch((e: unknown) => log(`!!! section 16 tear-down: ${String(e)}`));
  }
  return s;
}

// ---- printing ----

const mib = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;

export function printRelay(s14: RelayLatencySection | undefined, s15: RelayIdleSection | undefined, s16: RelayEventsSection | undefined, out: string[]): void {
  if (s14) {
    out.push(s14.title);
    if (s14.relay && s14.socket) {
      out.push(
        percentileTable('requests', [
          ['control socket', s14.socket],
          ['relay (wss)', s14.relay],
        ]),
        `  added by the relay: ${fmtMs(s14.addedP50Ms!)} at p50 (target ≤ ${RELAY_ADDED_P50_MS} ms), ${fmtMs(s14.addedP99Ms!)} at p99 (target ≤ ${RELAY_ADDED_P99_MS} ms): ${s14.pass ? 'PASS' : 'MISS'}`,
      );
    }
    for (const n of s14.notes) out.push(`  ${n}`);
    if (s14.error) out.push(`!!! section 14 did not complete: ${s14.error}`);
    out.push('');
  }
  if (s15) {
    out.push(s15.title);
    const row = (name: string, f: ProcessFigures) => [name, String(f.pid), mib(f.rssKb.median), mib(f.rssKb.max), `${f.cpuPercent.toFixed(2)}%`, fmtMs(f.cpuMs)];
    if (s15.relay && s15.supervisor)
      out.push(
        table(
          ['process', 'pid', 'RSS median', 'RSS max', 'CPU', 'CPU time'],
          [row('agor-relay', s15.relay), row(`agor up (${s15.agents} agents, for scale)`, s15.supervisor)],
        ),
        `  events to the dashboards during the window: ${s15.dashboardEvents}`,
      );
    for (const n of s15.notes) out.push(`  ${n}`);
    if (s15.error) out.push(`!!! section 15 did not complete: ${s15.error}`);
    out.push('');
  }
  if (s16) {
    out.push(s16.title);
    if (s16.socket && s16.relay) {
      const row = (name: string, a: EventRateArm) => [name, String(a.events), `${a.spanSeconds.toFixed(2)} s`, `${a.perSecond.toFixed(1)} ev/s`];
      out.push(
        table(['client', 'events', 'first to last', 'rate'], [row('control socket (subscribed)', s16.socket), row('relay dashboard (subscribed)', s16.relay)]),
        ...(s16.relayCpu
          ? [`  the relay's CPU meanwhile: ${s16.relayCpu.cpuPercent.toFixed(1)}% of a core (its TLS, the supervisor's events, its database polls)`]
          : []),
        `  delivered through the relay: ${s16.delivered === undefined ? '-' : fmtRatio(s16.delivered)} of the socket's events; relay rate / socket rate ${s16.socket.perSecond ? fmtRatio(s16.relay.perSecond / s16.socket.perSecond) : '-'}; the relay's last event ${fmtMs(Math.max(0, s16.tailMs ?? 0))} after the socket's`,
      );
    }
    for (const n of s16.notes) out.push(`  ${n}`);
    if (s16.ceiling) {
      const c = s16.ceiling;
      out.push(
        '  the ceiling: a stand-in supervisor (bench/event-source.ts) sends state events at a fixed rate to the real agor-relay, one dashboard counts them',
        table(
          ['rate asked', 'sent', 'in', 'arrived', 'at', 'delivered', 'relay CPU', 'dashboard'],
          c.steps.map((t) => [
            `${t.rate.toLocaleString('en-US')} ev/s`,
            String(t.sent),
            `${t.sendSeconds.toFixed(1)} s`,
            String(t.received),
            `${Math.round(t.arrivedPerSecond).toLocaleString('en-US')} ev/s`,
            fmtRatio(t.sent ? t.received / t.sent : 0),
            `${t.relayCpuPercent.toFixed(0)}%`,
            t.cutOff ? 'cut off (8 MiB unsent)' : 'kept',
          ]),
        ),
        `  sustained to one dashboard: ${c.sustained === null ? 'not even the first step' : `${Math.round(c.sustained).toLocaleString('en-US')} ev/s, as the dashboard received them, every event delivered`}; the steps stop at the first that loses events or does not reach 80% of its rate (the source, the relay or the dashboard could go no faster)`,
      );
    }
    if (s16.error) out.push(`!!! section 16 did not complete: ${s16.error}`);
    out.push('');
  }
}
