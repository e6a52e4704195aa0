import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { NET_PREFIX, type Net, createNet, leftovers, namespaces, netSkip, sweep } from '../../helpers/netns.js';
import { outputOf } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';

const skip = netSkip();
/** Every network this file makes starts with this (createNet adds the pid). */
const MINE = `${NET_PREFIX}-${process.pid}-`;

/** A TCP server inside a namespace: prints its port, answers each connection with `hello from NAME`. */
const SERVER = `const s = require('node:net').createServer((c) => c.end('hello from ' + process.argv[2] + '\\n'));
s.listen(0, process.argv[1], () => console.log(s.address().port));`;
/** Connects to HOST:PORT, prints what it reads, or the error code (ENETUNREACH, ETIMEDOUT, …). */
const CLIENT = `const c = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]), timeout: 3000 });
let got = ''; c.on('data', (d) => (got += d)); c.on('end', () => console.log(got.trim()));
c.on('timeout', () => (console.log('ETIMEDOUT'), c.destroy())); c.on('error', (e) => console.log(e.code));`;

/** Starts the server in `host` and returns its port and pid. */
async function serve(net: Net, host: string): Promise<{ port: number; pid: number }> {
  const child = net.spawn(host, process.execPath, ['-e', SERVER, net.host(host).addr, host], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const port = await waitFor(
    `the server in ${host} to listen`,
    () => Number(out.trim()),
    (p) => p > 0,
    { interval: 20 },
  );
  return { port, pid: child.pid! };
}

const dial = (net: Net, from: string, addr: string, port: number) =>
  net.exec(from, process.execPath, ['-e', CLIENT, addr, String(port)]).then((r) => r.stdout.trim());

const nets: Net[] = [];
const pids: number[] = [];
afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const n of nets) n.destroy();
  // Whatever a failed test left half made goes too, and the file leaves nothing behind.
  if (!skip) sweep(MINE);
  if (!skip) expect(leftovers(MINE)).toEqual([]);
});

describe.skipIf(skip)(`three hosts in network namespaces${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('joins h1, h2 and h3 on one private subnet: each reaches the others over TCP', async () => {
    const net = await createNet();
    nets.push(net);
    expect(net.hosts.map((h) => h.name)).toEqual(['h1', 'h2', 'h3']);
    expect(namespaces()).toEqual(expect.arrayContaining([net.bridge, ...net.hosts.map((h) => h.ns)]));
    const servers = new Map<string, number>();
    for (const h of net.hosts) {
      const s = await serve(net, h.name);
      pids.push(s.pid);
      servers.set(h.name, s.port);
    }
    for (const from of net.hosts)
      for (const to of net.hosts) {
        if (from === to) continue;
        expect(await dial(net, from.name, to.addr, servers.get(to.name)!), `${from.name} -> ${to.name}`).toBe(`hello from ${to.name}`);
      }
  });

  it('has no route out: an outside address is unreachable from every host, and a host whose link is down is cut off until it is up', async () => {
    const net = await createNet();
    nets.push(net);
    for (const h of net.hosts) {
      const r = await net.exec(h.name, 'ip', ['route', 'show']);
      expect(r.stdout).not.toMatch(/default/);
      expect(await dial(net, h.name, '1.1.1.1', 443)).toBe('ENETUNREACH');
      expect(await dial(net, h.name, '10.0.0.1', 80)).toBe('ENETUNREACH');
    }
    const h2 = await serve(net, 'h2');
    pids.push(h2.pid);
    net.linkDown('h2');
    expect(await dial(net, 'h1', net.host('h2').addr, h2.port)).toMatch(/^(ETIMEDOUT|EHOSTUNREACH)$/);
    net.linkUp('h2');
    await waitFor(
      'h1 to reach h2 again',
      () => dial(net, 'h1', net.host('h2').addr, h2.port),
      (r) => r === 'hello from h2',
      { timeout: 15_000 },
    );
  });

  it('destroy removes every namespace and link it made', async () => {
    const net = await createNet();
    expect(leftovers(net.id)).toHaveLength(4);
    net.destroy();
    expect(leftovers(net.id)).toEqual([]);
    expect(namespaces().filter((n) => n.startsWith(net.id))).toEqual([]);
  });

  it('leaves namespaces behind when its process dies before destroy, and sweep removes them all', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${join(ROOT, 'tests/helpers/netns.ts')}').then(async (m) => { const n = await m.createNet(); console.log(n.id); process.kill(process.pid, 'SIGKILL'); });`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const r = await outputOf(child);
    const id = r.stdout.trim();
    expect(id, r.stderr).toMatch(new RegExp(`^${NET_PREFIX}-${child.pid}-`));
    expect(leftovers(id)).toHaveLength(4);
    sweep(id);
    expect(leftovers(id)).toEqual([]);
  });
});
