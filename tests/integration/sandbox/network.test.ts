import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputOf } from '../../helpers/proc.js';

// The client may reset a connection it only wanted to see open.
const ignore = () => {};
const helper = join(process.cwd(), 'dist/agor-sandbox');
const SYSTEM = ['/usr', '/bin', '/lib', '/lib64', '/etc', '/proc', '/dev'].filter((p) => existsSync(p)).flatMap((p) => ['--read', p]);
const abi = (JSON.parse(spawnSync(helper, ['--probe'], { encoding: 'utf8' }).stdout) as { landlock_abi: number }).landlock_abi;

// A Node agent: `connect:PORT` tries a TCP connection to 127.0.0.1:PORT, `bind:PORT`
// listens there; each prints PORT and ok or the error code, one line per attempt.
const AGENT = `
  const net = require('node:net');
  const attempt = (what) => new Promise((done) => {
    const [verb, port] = what.split(':');
    const report = (r) => (console.log(verb, port, r), done());
    if (verb === 'connect') {
      const c = net.connect(Number(port), '127.0.0.1');
      c.on('connect', () => (c.destroy(), report('ok')));
      c.on('error', (e) => report(e.code));
    } else {
      const s = net.createServer();
      s.on('error', (e) => report(e.code));
      s.listen(Number(port), '127.0.0.1', () => s.close(() => report('ok')));
    }
  });
  (async () => { for (const a of process.argv.slice(1)) await attempt(a); })();`;

/** Runs the agent under the helper; asynchronous, since the servers it reaches live in this process. */
async function agent(flags: string[], attempts: string[]) {
  return outputOf(
    spawn(helper, [...SYSTEM, '--read', dirname(process.execPath), ...flags, '--', process.execPath, '-e', AGENT, ...attempts], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

const listen = async (): Promise<Server> => {
  const s = createServer((c) => c.on('error', ignore).end());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
};
const portOf = (s: Server) => (s.address() as AddressInfo).port;

/** A port nothing listens on now, for the agent to bind. */
const freePort = async () => {
  const s = await listen();
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
};

describe('agor-sandbox network rules', () => {
  let allowed: Server;
  let other: Server;
  beforeEach(async () => {
    allowed = await listen();
    other = await listen();
  });
  afterEach(async () => {
    await Promise.all([allowed, other].map((s) => new Promise((r) => s.close(r))));
  });

  describe.skipIf(abi < 4)('on a kernel with Landlock ABI 4 or later', () => {
    it('lets the agent connect to a port listed with --net-connect and refuses another (EACCES)', async () => {
      const r = await agent(['--net-connect', String(portOf(allowed))], [`connect:${portOf(allowed)}`, `connect:${portOf(other)}`]);
      expect(r.stdout).toBe(`connect ${portOf(allowed)} ok\nconnect ${portOf(other)} EACCES\n`);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
    });

    it('with --net-restrict and no ports, refuses every TCP connect and bind', async () => {
      const port = await freePort();
      const r = await agent(['--net-restrict'], [`connect:${portOf(allowed)}`, `bind:${port}`]);
      expect(r.stdout).toBe(`connect ${portOf(allowed)} EACCES\nbind ${port} EACCES\n`);
    });

    it('lets the agent listen on a port listed with --net-bind and refuses another', async () => {
      const [listed, unlisted] = [await freePort(), await freePort()];
      const r = await agent(['--net-bind', String(listed)], [`bind:${listed}`, `bind:${unlisted}`]);
      expect(r.stdout).toBe(`bind ${listed} ok\nbind ${unlisted} EACCES\n`);
    });

    it('with network rules on one side only, still restricts the other: --net-connect alone refuses binding', async () => {
      const port = await freePort();
      const r = await agent(['--net-connect', String(portOf(allowed))], [`bind:${port}`]);
      expect(r.stdout).toBe(`bind ${port} EACCES\n`);
    });

    it('without network options, leaves TCP alone', async () => {
      const port = await freePort();
      const r = await agent([], [`connect:${portOf(other)}`, `bind:${port}`]);
      expect(r.stdout).toBe(`connect ${portOf(other)} ok\nbind ${port} ok\n`);
    });

    it('on a kernel playing ABI 3, --required refuses to run (125), naming ABI 4', async () => {
      const r = await agent(['--max-abi', '3', '--required', '--net-connect', String(portOf(allowed))], [`connect:${portOf(other)}`]);
      expect(r.status).toBe(125);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/network rules .*need Landlock ABI 4.*ABI 3/);
    });

    it('on a kernel playing ABI 3, without --required, warns once and leaves the network open', async () => {
      const r = await agent(['--max-abi', '3', '--net-connect', String(portOf(allowed))], [`connect:${portOf(other)}`]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`connect ${portOf(other)} ok\n`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^agor-sandbox: warning: the network stays unrestricted: .*ABI 4/);
    });
  });

  it('on a kernel playing no Landlock (--max-abi 0), --required refuses to run (125)', async () => {
    const r = await agent(['--max-abi', '0', '--required'], [`connect:${portOf(allowed)}`]);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Landlock is required but unavailable/);
  });

  it('on a kernel playing no Landlock, without --required, warns and runs unrestricted', async () => {
    const r = await agent(['--max-abi', '0', '--net-restrict'], [`connect:${portOf(allowed)}`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`connect ${portOf(allowed)} ok\n`);
    expect(r.stderr).toMatch(/^agor-sandbox: warning: running without Landlock/);
  });
});
