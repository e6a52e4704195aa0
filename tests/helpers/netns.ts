import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { settle } from './cli.js';

/**
 * Three hosts on one machine: a bridge namespace holding a Linux bridge, and three host
 * namespaces (h1, h2, h3) each joined to it by a veth pair, on a private /24 with no
 * default route anywhere, so nothing a test dials can leave. Every link is made inside
 * the namespaces (none in the caller's), so deleting the namespaces removes them all.
 */

/** One host of the network. */
export interface NetHost {
  /** h1, h2, h3. */
  name: string;
  /** Its network namespace, as `ip netns list` names it. */
  ns: string;
  /** Its IPv4 address on the bridge. */
  addr: string;
}

export interface NetRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface NetExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Buffer;
  /** Milliseconds before the command is killed with SIGKILL (default 60 s). */
  timeout?: number;
}

export interface Net {
  /** The prefix every namespace of this network starts with (unique per run). */
  id: string;
  /** The bridge namespace. */
  bridge: string;
  /** The /24 the hosts share, e.g. 10.213.57.0/24. */
  subnet: string;
  hosts: NetHost[];
  host(name: string): NetHost;
  /** Runs `cmd args` inside the host's namespace to completion (never throws on a non-zero exit). */
  exec(host: string, cmd: string, args: string[], opts?: NetExecOptions): Promise<NetRun>;
  /** Starts `cmd args` inside the host's namespace; the child's pid is the command's own (ip execs it). */
  spawn(host: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Takes the host's link down (its veth end on the bridge): the host is cut off, its processes keep running. */
  linkDown(host: string): void;
  linkUp(host: string): void;
  /** Removes every namespace (and so every link) this network made. Processes started inside are the caller's to stop. */
  destroy(): void;
}

const HOSTS = ['h1', 'h2', 'h3'] as const;

/** The default prefix of the namespaces: tests that sweep after a crash look for it. */
export const NET_PREFIX = 'agornet';

function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Names of the network namespaces present now. */
export function namespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/**
 * Why namespaces cannot be made here (the tests that need them skip, saying so), or null:
 * they need root's CAP_NET_ADMIN and iproute2.
 */
export function netSkip(): string | null {
  const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1];
  if (eff === undefined || (BigInt(`0x${eff}`) & (1n << 12n)) === 0n) return 'needs CAP_NET_ADMIN (run as root)';
  if (spawnSync('ip', ['-V']).error) return 'needs ip (iproute2)';
  return null;
}

/**
 * What is left of networks whose names start with `prefix`: namespaces, and links in the
 * caller's namespace (none are made there; a link here would be a leak from elsewhere).
 */
export function leftovers(prefix: string = NET_PREFIX): string[] {
  const links = ip(['-o', 'link', 'show'])
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n.startsWith(prefix));
  return [...namespaces().filter((n) => n.startsWith(prefix)), ...links.map((l) => `link ${l}`)];
}

/** Removes every namespace whose name starts with `prefix`: the cleanup after a run that crashed before destroy(). */
export function sweep(prefix: string): void {
  for (const ns of namespaces()) if (ns.startsWith(prefix)) spawnSync('ip', ['netns', 'delete', ns]);
}

/**
 * Makes the network. Namespace names are `prefix` + pid + random, so parallel runs never
 * collide; the /24 is 10.213.N.0/24 with a random N (the namespaces are private, so two
 * runs may even share it, but a distinct subnet keeps their logs apart).
 */
export async function createNet(prefix: string = NET_PREFIX): Promise<Net> {
  const id = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const n = randomInt(1, 255);
  const subnet = `10.213.${n}.0/24`;
  const bridge = `${id}-br`;
  const hosts: NetHost[] = HOSTS.map((name, i) => ({ name, ns: `${id}-${name}`, addr: `10.213.${n}.${i + 1}` }));
  const made: string[] = [];
  const destroy = () => {
    for (const ns of made.splice(0).reverse()) spawnSync('ip', ['netns', 'delete', ns]);
  };
  try {
    for (const ns of [bridge, ...hosts.map((h) => h.ns)]) {
      ip(['netns', 'add', ns]);
      made.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', bridge, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', bridge, 'link', 'set', 'br0', 'up']);
    for (const h of hosts) {
      // Made in the bridge namespace with its peer sent straight into the host's: the names never meet the caller's namespace.
      ip(['-n', bridge, 'link', 'add', `v${h.name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
      ip(['-n', bridge, 'link', 'set', `v${h.name}`, 'master', 'br0']);
      ip(['-n', bridge, 'link', 'set', `v${h.name}`, 'up']);
      ip(['-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', 'eth0']);
      ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
    }
  } catch (e) {
    destroy();
    throw e;
  }
  const host = (name: string): NetHost => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name} in this network (${HOSTS.join(', ')})`);
    return h;
  };
  return {
    id,
    bridge,
    subnet,
    hosts,
    host,
    exec: (name, cmd, args, o = {}) => settle(spawn('ip', ['netns', 'exec', host(name).ns, cmd, ...args], { env: o.env ?? process.env, cwd: o.cwd }), o),
    spawn: (name, cmd, args, o = {}) => spawn('ip', ['netns', 'exec', host(name).ns, cmd, ...args], o),
    linkDown: (name) => void ip(['-n', bridge, 'link', 'set', `v${host(name).name}`, 'down']),
    linkUp: (name) => void ip(['-n', bridge, 'link', 'set', `v${host(name).name}`, 'up']),
    destroy,
  };
}
