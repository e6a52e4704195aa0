import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputOf } from '../../helpers/proc.js';

// The client may reset a connection it only wanted to see open.
const ignore = () => {};
const helper = join(process.cwd(), 'dist/agor-sandbox');
const SYSTEM = ['/usr', '/bin', '/lib', '/lib64', '/etc', '/proc', '/dev'].filter((p) => existsSync(p)).flatMap((p) => ['--read', p]);
const abi = (JSON.parse(spawnSync(helper, ['--probe'], { encoding: 'utf8' }).stdout) as { landlock_abi: number }).landlock_abi;

// Each attempt prints what got through; a contained agent prints only INSIDE.
const ATTEMPTS = `
cat "$HOME/.ssh/id_ed25519" && echo READ-KEY
echo stolen > "$OUTSIDE/escaped-$1" && echo WROTE-OUTSIDE
echo stolen > "/tmp/agor-escape-$$" && echo WROTE-TMP && rm -f "/tmp/agor-escape-$$"
echo fine > "work/inside-$1" && echo INSIDE
`;

// The same agent as a Node program, for sockets: a Unix socket (as agor's control
// socket) and a TCP port the policy does not list.
const SOCKETS = `
const net = require('node:net');
const tryConnect = (to) => new Promise((done) => {
  const c = net.connect(to);
  c.on('connect', () => (c.destroy(), done('ok')));
  c.on('error', (e) => done(e.code));
});
(async () => {
  console.log('unix', await tryConnect(process.env.SOCK));
  console.log('tcp', await tryConnect({ host: '127.0.0.1', port: Number(process.env.PORT) }));
})();`;

describe('escape attempts from inside agor-sandbox', () => {
  let dir: string;
  let server: Server;
  let tcp: Server;
  const env = () => ({
    ...process.env,
    HOME: join(dir, 'home'),
    OUTSIDE: join(dir, 'outside'),
    NODE: process.execPath,
    SOCK: join(dir, 'control.sock'),
    PORT: String((tcp.address() as AddressInfo).port),
  });
  // Read on the system and node, write on the work directory only; Unix sockets denied,
  // TCP connect allowed to one port that is not the listening one.
  const policy = () => [...SYSTEM, '--read', dirname(process.execPath), '--write', join(dir, 'work'), '--deny-unix-sockets', '--net-connect', '1'];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agor-escape-'));
    for (const d of ['work', 'outside', 'home/.ssh']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'home/.ssh/id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n');
    writeFileSync(join(dir, 'work/attempts.sh'), ATTEMPTS);
    writeFileSync(join(dir, 'work/sockets.js'), SOCKETS);
    // A grandchild: sh runs sh runs the attempts.
    writeFileSync(join(dir, 'work/outer.sh'), 'sh work/inner.sh "$@"\n');
    writeFileSync(join(dir, 'work/inner.sh'), '"$@"\n');
    server = createServer((c) => c.on('error', ignore).end('hello\n'));
    await new Promise<void>((r) => server.listen(join(dir, 'control.sock'), r));
    tcp = createServer((c) => c.on('error', ignore).end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    await Promise.all([server, tcp].map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `command` sandboxed in the test directory; asynchronous, as the sockets it reaches are served here. */
  const run = async (...command: string[]) => {
    return outputOf(spawn(helper, [...policy(), '--', ...command], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] }));
  };

  const ways: [string, string[]][] = [
    ['the agent itself', []],
    ['a grandchild (sh running sh)', ['sh', 'work/outer.sh']],
    // sh's child is no group leader, so setsid(1) makes the new session in place.
    ['a child in a new session (setsid)', ['sh', '-c', 'setsid -w "$@"', 'sh', 'sh', 'work/outer.sh']],
  ];

  for (const [who, prefix] of ways) {
    it(`refuses ${who} reading a key in ~/.ssh and writing outside the work directory`, async () => {
      const label = who.replace(/\W+/g, '-');
      const attempt = prefix.length ? [...prefix, 'sh', 'work/attempts.sh', label] : ['sh', 'work/attempts.sh', label];
      const r = await run(...attempt);
      expect(r.stdout).toBe('INSIDE\n');
      expect(r.stderr.match(/Permission denied/g)).toHaveLength(3);
      expect(readdirSync(join(dir, 'outside'))).toEqual([]);
      expect(readdirSync(join(dir, 'work'))).toContain(`inside-${label}`);
    });

    it(`refuses ${who} a Unix socket${abi >= 4 ? ' and a TCP port the policy does not list' : ''}`, async () => {
      const node = [process.execPath, 'work/sockets.js'];
      const r = await run(...(prefix.length ? [...prefix, ...node] : node));
      expect(r.stdout).toMatch(/^unix EACCES\n/);
      if (abi >= 4) expect(r.stdout).toBe('unix EACCES\ntcp EACCES\n');
    });
  }

  it('the same agent without the sandbox reaches all of it (the attempts are real)', async () => {
    const child = spawnSync('sh', ['work/attempts.sh', 'bare'], { cwd: dir, env: env(), encoding: 'utf8' });
    expect(child.stdout).toBe('-----BEGIN OPENSSH PRIVATE KEY-----\nfake\nREAD-KEY\nWROTE-OUTSIDE\nWROTE-TMP\nINSIDE\n');
    const sockets = spawn(process.execPath, ['work/sockets.js'], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    sockets.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => sockets.once('close', r));
    expect(out).toBe('unix ok\ntcp ok\n');
  });
});
