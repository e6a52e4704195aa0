// Three hosts as network namespaces (tests/helpers/netns.ts), each with its own database
// directory, supervisor (agor up -d) and relay (agor-relay init, then agor-relay --listen
// ADDR:PORT --headless --json), every command run inside its host's namespace so that all
// traffic stays between them. The proof tests and the multi-host dashboard's end-to-end
// test build on it.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { type Net, type NetRun, createNet, leftovers } from '../../helpers/netns.js';
import { alive, processesMentioning } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';
import { type GroupSpec, yamlOf } from '../agor/fixture.js';

/** Each host has a network namespace of its own, so the relay's default port is free in every one. */
export const PORT = 7650;
const PROBE = join(ROOT, 'tests', 'integration', 'relay', 'probe.ts');
const TOKEN = /agr_[A-Za-z0-9_-]{43}/;

export type HostName = 'h1' | 'h2' | 'h3';
export type Bin = 'agor' | 'agor-relay';

export interface Host {
  name: HostName;
  addr: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  url: string;
  pin: string;
  /** An admin token named `ops` and a read token named `watcher`. */
  admin: string;
  read: string;
  relay: ChildProcess;
  /** The relay's stdout (--json: one event a line), as it arrives, across restarts. */
  log: string[];
  supervisor: number;
}

export interface Probe {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
}

export interface ThreeHosts {
  net: Net;
  root: string;
  hosts: Record<HostName, Host>;
  /** Runs a built binary inside `host`'s namespace with that host's environment. */
  on(host: HostName, bin: Bin, args: string[], o?: { input?: string; timeout?: number }): Promise<NetRun>;
  /** The same, expecting exit 0 and JSON on stdout. */
  ok<T>(host: HostName, bin: Bin, args: string[], o?: { input?: string }): Promise<T>;
  /** Runs the probe (probe.ts) inside `host`'s namespace to its end; its JSON lines. */
  probe(host: HostName, command: string, args: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  /** Starts the probe and leaves it running (stopped by pid at teardown); its lines arrive in `lines`. */
  probeRunning(host: HostName, command: string, args: Record<string, unknown>): Probe;
  /** The relay's log entries (one JSON object a line; other lines kept as text). */
  entries(host: HostName): Record<string, unknown>[];
  /** Kills the host's relay (SIGKILL) and waits for it to be gone. */
  killRelay(host: HostName): Promise<void>;
  /** Starts the host's relay again, with the same certificate, tokens and port. */
  startRelay(host: HostName): Promise<void>;
  /** A process the teardown must stop (by pid). */
  track(pid: number): void;
  /** Stops everything by pid (agor down first), removes the network and the directories, and checks nothing is left. */
  teardown(): Promise<void>;
}

function envOf(dir: string): NodeJS.ProcessEnv {
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

const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void) => {
  let out = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) !== -1) (onLine(out.slice(0, nl)), (out = out.slice(nl + 1)));
  });
};

/**
 * Makes the network and starts, on every host, `agor up -d` with `spec` (or `spec(host)`;
 * group = the host's name), `agor-relay init --json` for the host's address, an admin token `ops`
 * and a read token `watcher`, and the relay, ready once a TLS handshake succeeds.
 */
export async function threeHosts(spec: GroupSpec | ((host: HostName) => GroupSpec)): Promise<ThreeHosts> {
  const root = mkdtempSync(join(tmpdir(), 'agor-relay-3h-'));
  const net = await createNet();
  const hosts = {} as Record<HostName, Host>;
  const started: number[] = [];

  const on: ThreeHosts['on'] = (host, bin, args, o = {}) =>
    net.exec(host, process.execPath, [join(ROOT, 'dist', `${bin}.cjs`), ...args], { env: hosts[host].env, timeout: o.timeout ?? 30_000, input: o.input });
  const ok = async <T>(host: HostName, bin: Bin, args: string[], o: { input?: string } = {}): Promise<T> => {
    const r = await on(host, bin, args, o);
    expect(r.code, `${host}: ${bin} ${args.join(' ')}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const probe: ThreeHosts['probe'] = async (host, command, args) => {
    const r = await net.exec(host, process.execPath, ['--import', 'tsx', PROBE, command, JSON.stringify(args)], { cwd: ROOT, timeout: 60_000 });
    const out = r.stdout.split('\n').filter(Boolean);
    if (!out.length) throw new Error(`probe ${command} printed nothing (exit ${r.code}): ${r.stderr}`);
    return out.map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const probeRunning: ThreeHosts['probeRunning'] = (host, command, args) => {
    const child = net.spawn(host, process.execPath, ['--import', 'tsx', PROBE, command, JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child.pid!);
    const got: Record<string, unknown>[] = [];
    lines(child.stdout!, (l) => got.push(JSON.parse(l) as Record<string, unknown>));
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    return { child, lines: got, stderr: () => err };
  };

  const startRelay = async (name: HostName) => {
    const h = hosts[name];
    h.relay = net.spawn(name, process.execPath, [join(ROOT, 'dist', 'agor-relay.cjs'), '--listen', `${h.addr}:${PORT}`, '--headless', '--json'], {
      env: h.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(h.relay.pid!);
    let err = '';
    lines(h.relay.stdout!, (l) => h.log.push(l));
    h.relay.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    // Listening once a TLS handshake from the host itself succeeds.
    const r = await waitFor(
      `${name}'s relay to listen`,
      async () => (h.relay.exitCode === null ? (await probe(name, 'tls-only', { url: h.url }))[0] : { exited: h.relay.exitCode }),
      (x) => x?.tls === true || 'exited' in (x ?? {}),
      { timeout: 20_000, interval: 200 },
    );
    expect(r, `the relay of ${name} exited; stderr: ${err}`).toEqual({ tls: true });
  };

  const startHost = async (name: HostName) => {
    const dir = join(root, name);
    const h = { name, addr: net.host(name).addr, dir, env: envOf(dir), log: [] as string[] } as Host;
    hosts[name] = h;
    const file = join(dir, 'agor.yaml');
    writeFileSync(file, yamlOf({ ...(typeof spec === 'function' ? spec(name) : spec), group: name }));
    const up = await ok<{ pid: number }>(name, 'agor', ['up', '-d', '-f', file, '--json']);
    h.supervisor = up.pid;
    started.push(up.pid);
    const init = await ok<{ url: string; pin: string; token: string }>(name, 'agor-relay', ['init', '--json', '--listen', `${h.addr}:${PORT}`]);
    expect(init).toMatchObject({ url: `wss://${h.addr}:${PORT}`, pin: expect.stringMatching(/^sha256\//), token: expect.stringMatching(TOKEN) });
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
    await startRelay(name);
  };

  const teardown = async () => {
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
  };

  const t: ThreeHosts = {
    net,
    root,
    hosts,
    on,
    ok,
    probe,
    probeRunning,
    entries: (host) =>
      hosts[host].log.map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return { text: l };
        }
      }),
    async killRelay(host) {
      const r = hosts[host].relay;
      r.kill('SIGKILL');
      await waitFor(
        `${host}'s relay to exit`,
        () => alive(r.pid!),
        (a) => !a,
        { timeout: 5000, interval: 50 },
      );
    },
    startRelay,
    track: (pid) => void started.push(pid),
    teardown,
  };
  try {
    for (const name of ['h1', 'h2', 'h3'] as const) await startHost(name);
  } catch (e) {
    await teardown().catch(() => undefined);
    throw e;
  }
  return t;
}
