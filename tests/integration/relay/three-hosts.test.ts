import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sql } from '../../helpers/cli.js';
import { type Net, createNet, leftovers, netSkip } from '../../helpers/netns.js';
import { alive, processesMentioning } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';
import { type AgentView, EXIT, type RunView, sh, yamlOf } from '../agor/fixture.js';

/**
 * The proof of the relay: three hosts as network namespaces, each with its own database,
 * supervisor and relay. h1 manages h2's agents through h2's relay; h3 attacks h2's relay.
 * Every command runs inside a host's namespace, so all traffic stays between them.
 */

const skip = netSkip();
/** Each host has a network namespace of its own, so the relay's default port is free in every one. */
const PORT = 7650;
const PROBE = join(ROOT, 'tests', 'integration', 'relay', 'probe.ts');

interface Host {
  name: string;
  addr: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  url: string;
  pin: string;
  /** An admin token named `ops` and a read token named `watcher`. */
  admin: string;
  read: string;
  relay: ChildProcess;
  /** The relay's stdout (--json: one event a line), as it arrives. */
  log: string[];
  supervisor: number;
}

const AGENTS = {
  agents: {
    // One line a second, stamped with the time in ms: a line written after a follow began is recognisable.
    ticker: { command: sh('while :; do echo "tick $(date +%s%3N)"; sleep 1; done'), stop_grace: '1s' },
    oneshot: { command: sh('echo "woke up"; sleep 1'), mode: 'on-demand' },
    // 9 MB of output in about 3 s (under the 10 MiB at which a log is rotated, and the 4 MiB/s a follow passes on),
    // for a client that never reads to fall behind on.
    flood: { command: sh('for i in $(seq 30); do head -c 300000 /dev/zero | tr "\\0" x | fold -w 100; sleep 0.1; done'), mode: 'on-demand' },
  },
};

const TOKEN = /agr_[A-Za-z0-9_-]{43}/;

let net: Net;
let root: string;
const hosts: Record<string, Host> = {};
const started: number[] = [];

type Bin = 'agor' | 'agor-relay';

/** Runs a built binary inside `host`'s namespace with that host's environment. */
const on = (host: string, bin: Bin, args: string[], o: { input?: string; timeout?: number } = {}) =>
  net.exec(host, process.execPath, [join(ROOT, 'dist', `${bin}.cjs`), ...args], {
    env: hosts[host]?.env ?? envOf(host),
    timeout: o.timeout ?? 30_000,
    input: o.input,
  });

/** The same, expecting exit 0 and JSON on stdout. */
async function ok<T>(host: string, bin: Bin, args: string[], o: { input?: string } = {}): Promise<T> {
  const r = await on(host, bin, args, o);
  expect(r.code, `${host}: ${bin} ${args.join(' ')}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Runs the probe (probe.ts) inside `host`'s namespace; its JSON lines. */
async function probe(host: string, command: string, args: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const r = await net.exec(host, process.execPath, ['--import', 'tsx', PROBE, command, JSON.stringify(args)], { cwd: ROOT, timeout: 60_000 });
  const lines = r.stdout.split('\n').filter(Boolean);
  if (!lines.length) throw new Error(`probe ${command} printed nothing (exit ${r.code}): ${r.stderr}`);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Starts the probe and leaves it running; its lines arrive in `lines`. */
function probeRunning(
  host: string,
  command: string,
  args: Record<string, unknown>,
): { child: ChildProcess; lines: Record<string, unknown>[]; stderr: () => string } {
  const child = net.spawn(host, process.execPath, ['--import', 'tsx', PROBE, command, JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child.pid!);
  const lines: Record<string, unknown>[] = [];
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) !== -1) (lines.push(JSON.parse(out.slice(0, nl)) as Record<string, unknown>), (out = out.slice(nl + 1)));
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { child, lines, stderr: () => err };
}

function envOf(name: string): NodeJS.ProcessEnv {
  const dir = join(root, name);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AGOR_DB: join(dir, 'agor.db'), HOME: join(dir, 'home') };
  for (const k of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR']) {
    env[k] = join(dir, k.slice(4, -5).toLowerCase());
    mkdirSync(env[k], { recursive: true, mode: 0o700 });
  }
  mkdirSync(env.HOME!, { recursive: true, mode: 0o700 });
  // No session bus: the relay's tokens and the client's host tokens go to their 0600 files, not the caller's keyring.
  for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'BTMSG_AGENT_ID', 'AGOR_AGENT', 'FORCE_COLOR']) delete env[k];
  return env;
}

/** The relay's log entries (one JSON object a line; other lines kept as text). */
const entries = (h: Host): Record<string, unknown>[] =>
  h.log.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return { text: l };
    }
  });

/** Milliseconds `fn` took, with its result. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = Date.now();
  const value = await fn();
  return { ms: Date.now() - t0, value };
}

const remotePs = (from: string, to: string) => on(from, 'agor', ['--host', to, 'ps', '--json']);

async function startHost(name: string): Promise<Host> {
  const addr = net.host(name).addr;
  const env = envOf(name);
  const dir = join(root, name);
  const file = join(dir, 'agor.yaml');
  writeFileSync(file, yamlOf({ group: name, ...AGENTS }));
  const h = { name, addr, dir, env } as Host;
  hosts[name] = h;
  const up = await ok<{ pid: number }>(name, 'agor', ['up', '-d', '-f', file, '--json']);
  h.supervisor = up.pid;
  started.push(up.pid);
  const init = await ok<{ url: string; pin: string; token: string }>(name, 'agor-relay', ['init', '--json', '--listen', `${addr}:${PORT}`]);
  expect(init).toMatchObject({ url: `wss://${addr}:${PORT}`, pin: expect.stringMatching(/^sha256\//), token: expect.stringMatching(TOKEN) });
  h.url = init.url;
  h.pin = init.pin;
  for (const [tokenName, role] of [
    ['ops', 'admin'],
    ['watcher', 'read'],
  ] as const) {
    const r = await on(name, 'agor-relay', ['token', 'add', tokenName, '--role', role, '--json']);
    const value = TOKEN.exec(r.stdout)?.[0];
    expect(value, `agor-relay token add ${tokenName}: exit ${r.code}\n${r.stdout}\n${r.stderr}`).toBeDefined();
    if (role === 'admin') h.admin = value!;
    else h.read = value!;
  }
  h.relay = net.spawn(name, process.execPath, [join(ROOT, 'dist', 'agor-relay.cjs'), '--listen', `${addr}:${PORT}`, '--headless', '--json'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(h.relay.pid!);
  h.log = [];
  let out = '';
  let err = '';
  h.relay.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) !== -1) (h.log.push(out.slice(0, nl)), (out = out.slice(nl + 1)));
  });
  h.relay.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  // Listening once a TLS handshake from the host itself succeeds.
  await waitFor(
    `${name}'s relay to listen (stderr: ${err})`,
    async () => (h.relay.exitCode === null ? (await probe(name, 'tls-only', { url: h.url }))[0] : { exited: h.relay.exitCode, err }),
    (r) => r?.tls === true || 'exited' in (r ?? {}),
    { timeout: 20_000, interval: 200 },
  ).then((r) => expect(r, `the relay of ${name} exited; stderr: ${err}`).toEqual({ tls: true }));
  return h;
}

afterAll(async () => {
  if (skip || !net) return;
  for (const h of Object.values(hosts)) await on(h.name, 'agor', ['down'], { timeout: 15_000 }).catch(() => undefined);
  const left = [...started, ...processesMentioning(root)].filter(alive);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await waitFor(
    'every process the test started to exit',
    () => left.filter(alive),
    (l) => l.length === 0,
    { timeout: 10_000 },
  ).catch(() => undefined);
  net.destroy();
  rmSync(root, { recursive: true, force: true });
  expect(leftovers(net.id)).toEqual([]);
  expect(processesMentioning(root)).toEqual([]);
}, 60_000);

describe.skipIf(skip)(`three hosts, each with a supervisor and a relay, in network namespaces${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'agor-relay-3h-'));
    net = await createNet();
    for (const name of ['h1', 'h2', 'h3']) await startHost(name);
    for (const name of ['h2', 'h3']) {
      const h = hosts[name]!;
      const r = await on('h1', 'agor', ['hosts', 'add', name, h.url, '--pin', h.pin], { input: `${h.admin}\n` });
      expect(r.code, `agor hosts add ${name}: ${r.stdout}\n${r.stderr}`).toBe(0);
    }
  }, 180_000);

  describe('from h1, agor --host h2 acts on h2', () => {
    it("lists h2's agents as h2's own agor ps does, and h3's as h3's", async () => {
      for (const name of ['h2', 'h3']) {
        const local = await ok<AgentView[]>(name, 'agor', ['ps', '--json']);
        const r = await remotePs('h1', name);
        expect(r.code, r.stderr).toBe(0);
        const remote = JSON.parse(r.stdout) as AgentView[];
        expect(remote.map((a) => [a.id, a.mode, a.supervised])).toEqual(local.map((a) => [a.id, a.mode, true]));
        expect(remote.find((a) => a.id === 'ticker')!.pid).toBe(local.find((a) => a.id === 'ticker')!.pid);
      }
      const h2 = (JSON.parse((await remotePs('h1', 'h2')).stdout) as AgentView[]).find((a) => a.id === 'ticker')!;
      const h3 = (JSON.parse((await remotePs('h1', 'h3')).stdout) as AgentView[]).find((a) => a.id === 'ticker')!;
      expect(h2.pid).not.toBe(h3.pid);
    });

    it("stops and starts h2's service agent: h2's own supervisor and processes show it", async () => {
      const before = (await ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')!;
      expect(before).toMatchObject({ state: 'running', pid: expect.any(Number) });
      const stop = await on('h1', 'agor', ['--host', 'h2', 'stop', 'ticker', '--json']);
      expect(stop.code, stop.stderr).toBe(0);
      expect(JSON.parse(stop.stdout)).toEqual([expect.objectContaining({ id: 'ticker', state: 'inactive', pid: null })]);
      expect(alive(before.pid!)).toBe(false);
      expect((await ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')).toMatchObject({ state: 'inactive', pid: null });
      // h3's ticker is untouched.
      expect((await ok<AgentView[]>('h3', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')).toMatchObject({ state: 'running' });

      const start = await on('h1', 'agor', ['--host', 'h2', 'start', 'ticker', '--json']);
      expect(start.code, start.stderr).toBe(0);
      const after = (await ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')!;
      expect(after).toMatchObject({ state: 'running', pid: expect.any(Number) });
      expect(after.pid).not.toBe(before.pid);
      expect(alive(after.pid!)).toBe(true);
    });

    it("wakes h2's on-demand agent: a run of it appears in h2's own database", async () => {
      const r = await on('h1', 'agor', ['--host', 'h2', 'wake', 'oneshot', '--reason', 'from h1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const runs = await waitFor(
        "a run of h2's oneshot",
        () => ok<RunView[]>('h2', 'agor', ['runs', 'oneshot', '--json']),
        (rs) => rs.length > 0,
        { timeout: 15_000, interval: 300 },
      );
      expect(runs[0]!.wake_reason).toBe('manual');
      // The wake itself, in h2's database: asked for as the operator, with h1's reason.
      const wakes = sql(hosts.h2!.env.AGOR_DB!, (db) => db.prepare("SELECT reason, detail, requested_by FROM wakes WHERE agent = 'oneshot'").all());
      expect(wakes).toEqual([{ reason: 'manual', detail: 'from h1', requested_by: 'admin' }]);
      expect(await ok<RunView[]>('h3', 'agor', ['runs', 'oneshot', '--json'])).toEqual([]);
    });

    it("follows h2's service agent's log: prints a line written after the follow began", async () => {
      const since = Date.now();
      const follow = net.spawn('h1', process.execPath, [join(ROOT, 'dist', 'agor.cjs'), '--host', 'h2', 'logs', '-f', 'ticker'], {
        env: hosts.h1!.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(follow.pid!);
      let out = '';
      let err = '';
      follow.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      follow.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      try {
        const ticks = await waitFor(
          `a tick stamped after ${since} (stderr: ${err})`,
          () => [...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])),
          (t) => t.some((ms) => ms > since + 500),
          { timeout: 20_000 },
        );
        expect(ticks.length).toBeGreaterThan(0);
      } finally {
        follow.kill('SIGKILL');
      }
    });

    it("h2's audit names the token that asked for each action", async () => {
      const audit = await ok<{ agent: string; type: string; detail: Record<string, unknown> }[]>('h2', 'agor', ['audit', '--type', 'relay_action', '--json']);
      const ops = audit.map((e) => [e.agent, e.detail.token, e.detail.op]);
      expect(ops).toEqual(
        expect.arrayContaining([
          ['admin', 'ops', 'stop'],
          ['admin', 'ops', 'start'],
          ['admin', 'ops', 'wake'],
        ]),
      );
      expect(await ok<unknown[]>('h3', 'agor', ['audit', '--type', 'relay_action', '--json'])).toEqual([]);
    });
  });

  describe("from h3, attacks on h2's relay are refused and change nothing", () => {
    const ticker = async () => (await ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')!;

    it('refuses an upgrade without a token with 401, and one with an Origin from another site with 403', async () => {
      const h2 = hosts.h2!;
      expect(await probe('h3', 'upgrade', { url: h2.url })).toEqual([{ status: 401, retryAfter: null }]);
      expect(await probe('h3', 'upgrade', { url: h2.url, token: h2.admin, origin: 'https://evil.example' })).toEqual([expect.objectContaining({ status: 403 })]);
      expect(await probe('h3', 'upgrade', { url: h2.url, token: h2.read })).toEqual([{ status: 101 }]);
    });

    it('refuses stop for a read token (not_permitted, exit 4): the agent keeps running', async () => {
      const h2 = hosts.h2!;
      const before = await ticker();
      const [list, stop] = await probe('h3', 'request', { url: h2.url, token: h2.read, requests: [{ op: 'list' }, { op: 'stop', agents: ['ticker'] }] });
      expect(list).toMatchObject({ ok: true, result: expect.arrayContaining([expect.objectContaining({ id: 'ticker' })]) });
      expect(stop).toMatchObject({ ok: false, error: { code: 'not_permitted', exit: EXIT.NOT_PERMITTED } });
      const after = await ticker();
      expect(after).toMatchObject({ state: 'running', pid: before.pid });
      expect(alive(before.pid!)).toBe(true);
    });

    it('refuses a plain ws:// client against the TLS relay', async () => {
      const h2 = hosts.h2!;
      const [r] = await probe('h3', 'upgrade', { url: h2.url.replace(/^wss:/, 'ws:'), token: h2.admin });
      expect(r).not.toMatchObject({ status: 101 });
      expect(r!.error ?? r!.status).toBeDefined();
    });

    it('aborts before sending its token when the pin is wrong: the relay sees no request from h3', async () => {
      const h2 = hosts.h2!;
      const wrong = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;
      const mark = h2.log.length;
      const add = await on('h3', 'agor', ['hosts', 'add', 'h2', h2.url, '--pin', wrong], { input: `${h2.admin}\n` });
      const use = add.code === 0 ? await on('h3', 'agor', ['--host', 'h2', 'ps', '--json']) : add;
      expect(use.code, use.stderr).toBe(EXIT.NOT_PERMITTED);
      expect(use.stderr).toContain(wrong);
      expect(use.stderr).toContain(h2.pin);
      // A barrier: once h1's request shows in the relay's log, anything of h3's attempt would have too.
      expect((await remotePs('h1', 'h2')).code).toBe(0);
      const h1 = hosts.h1!.addr;
      await waitFor(
        'h1 in the relay log',
        () => h2.log.slice(mark).join('\n'),
        (l) => l.includes(h1),
      );
      const fromH3 = entries(h2)
        .slice(mark)
        .filter((e) => JSON.stringify(e).includes(`"${hosts.h3!.addr}"`) || String(e.text ?? '').includes(hosts.h3!.addr))
        .filter((e) => !/tls|handshake/i.test(JSON.stringify(e)));
      expect(fromH3).toEqual([]);
    });

    it('closes the connection that sends a 5 MiB frame, and only that one', async () => {
      const h2 = hosts.h2!;
      const [closed, hello] = await probe('h3', 'big', { url: h2.url, token: h2.read, bytes: 5 * 1024 * 1024 });
      expect(closed).toEqual({ closed: 1009 });
      expect(hello).toMatchObject({ ok: true, result: expect.objectContaining({ token: 'watcher', role: 'read' }) });
      expect(h2.relay.exitCode).toBeNull();
    });

    it('keeps answering h1 while h3 holds 500 idle connections', async () => {
      const h2 = hosts.h2!;
      const idle = probeRunning('h3', 'idle', { url: h2.url, count: 500 });
      try {
        await waitFor(
          '500 connections from h3',
          () => idle.lines[0],
          (l) => l !== undefined,
          { timeout: 30_000 },
        );
        const { ms, value } = await timed(() => remotePs('h1', 'h2'));
        expect(value.code, value.stderr).toBe(0);
        expect((JSON.parse(value.stdout) as AgentView[]).map((a) => a.id)).toEqual(['ticker', 'oneshot', 'flood']);
        expect(ms, `agor --host h2 ps took ${ms} ms with 500 idle connections open`).toBeLessThan(10_000);
      } finally {
        idle.child.kill('SIGKILL');
      }
    });

    it('cuts off a client of h3 that never reads while events flow, and keeps answering h1 meanwhile', async () => {
      const h2 = hosts.h2!;
      const h3 = hosts.h3!.addr;
      // A first run of flood, so that its log can be followed (into the next run) and its tail asked for.
      expect((await on('h2', 'agor', ['wake', 'flood'])).code).toBe(0);
      await waitFor(
        'the first run of flood to end',
        () => ok<RunView[]>('h2', 'agor', ['runs', 'flood', '--json']),
        (rs) => rs.length === 1 && rs[0]!.ended_at !== null,
        { timeout: 30_000, interval: 300 },
      );
      const stall = probeRunning('h3', 'stall', { url: h2.url, token: h2.read, agent: 'flood', count: 30 });
      try {
        await waitFor(
          'the stalled client to be connected',
          () => stall.lines[0],
          (l) => l !== undefined,
          { timeout: 30_000 },
        );
        expect(stall.lines[0]).toEqual({ stalled: true });
        const mark = h2.log.length;
        const wake = await on('h1', 'agor', ['--host', 'h2', 'wake', 'flood', '--json']);
        expect(wake.code, wake.stderr).toBe(0);
        for (let i = 0; i < 3; i++) {
          const { ms, value } = await timed(() => remotePs('h1', 'h2'));
          expect(value.code, value.stderr).toBe(0);
          expect(ms, `agor --host h2 ps took ${ms} ms beside a client that never reads`).toBeLessThan(10_000);
        }
        const cut = await waitFor(
          "the relay to cut h3's client off",
          () =>
            entries(h2)
              .slice(mark)
              .find((e) => e.event === 'disconnect' && e.addr === h3),
          (e) => e !== undefined,
          { timeout: 60_000 },
        );
        expect(String(cut!.detail), `the relay's log: ${JSON.stringify(entries(h2).slice(mark))}`).toMatch(/unsent/);
        expect(h2.relay.exitCode).toBeNull();
        expect((await remotePs('h1', 'h2')).code).toBe(0);
      } finally {
        stall.child.kill('SIGKILL');
      }
    });

    it('answers 429 with Retry-After from the sixth wrong token in a row from one address, and h1 still gets in', async () => {
      const h2 = hosts.h2!;
      const wrong = `agr_${'A'.repeat(43)}`;
      const answers = await probe('h3', 'upgrade', { url: h2.url, token: wrong, times: 20 });
      expect(answers.slice(0, 5)).toEqual(Array(5).fill({ status: 401, retryAfter: null }));
      for (const a of answers.slice(5)) {
        expect(a.status).toBe(429);
        expect(Number(a.retryAfter)).toBeGreaterThan(0);
      }
      // Locked out even with the right token, from the same address.
      expect(await probe('h3', 'upgrade', { url: h2.url, token: h2.admin })).toEqual([expect.objectContaining({ status: 429 })]);
      const r = await remotePs('h1', 'h2');
      expect(r.code, r.stderr).toBe(0);
      expect((await ticker()).state).toBe('running');
    });
  });
});
