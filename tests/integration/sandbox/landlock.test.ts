import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const helper = join(process.cwd(), 'dist/agor-sandbox');
// What a shell needs to start: the system paths, read and execute only.
const SYSTEM = ['/usr', '/bin', '/lib', '/lib64', '/etc', '/proc', '/dev'].filter((p) => existsSync(p)).flatMap((p) => ['--read', p]);

describe('agor-sandbox with a policy', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agor-sandbox-'));
    mkdirSync(join(dir, 'work'));
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'secret'), 'not for agents\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const sandboxed = (script: string, ...policy: string[]) => spawnSync(helper, [...SYSTEM, ...policy, '--', 'sh', '-c', script], { encoding: 'utf8', cwd: dir });

  it('lets the program write beneath --write and refuses writing or reading anywhere else', () => {
    const r = sandboxed(
      'echo kept > work/a && cat work/a; echo lost > elsewhere/b; cat elsewhere/secret; echo lost > /tmp/agor-sandbox-escape-$$',
      '--write',
      join(dir, 'work'),
    );
    expect(r.status).not.toBe(0); // the shell's last redirection was refused
    expect(r.stdout).toBe('kept\n');
    expect(r.stderr.match(/Permission denied/g)).toHaveLength(3);
    expect(readFileSync(join(dir, 'work', 'a'), 'utf8')).toBe('kept\n');
    expect(existsSync(join(dir, 'elsewhere', 'b'))).toBe(false);
  });

  it('allows reading, not writing, beneath --read', () => {
    const r = sandboxed('cat elsewhere/secret; echo changed > elsewhere/secret', '--read', join(dir, 'elsewhere'));
    expect(r.stdout).toBe('not for agents\n');
    expect(r.stderr).toMatch(/Permission denied/);
    expect(readFileSync(join(dir, 'elsewhere', 'secret'), 'utf8')).toBe('not for agents\n');
  });

  it('execs the program in place: it keeps the pid the supervisor started', async () => {
    const child = spawn(helper, [...SYSTEM, '--', 'sh', '-c', 'echo $$'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once('close', r));
    expect(Number(out.trim())).toBe(child.pid);
  });

  it('refuses a policy path that does not exist, naming it, and runs nothing (exit 125)', () => {
    const missing = join(dir, 'no-such-dir');
    const r = sandboxed('echo ran', '--write', missing);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(missing);
  });

  it('says when the program cannot be found (127) and when the command line is wrong (2)', () => {
    const notFound = spawnSync(helper, [...SYSTEM, '--', 'no-such-program-here'], { encoding: 'utf8' });
    expect(notFound.status).toBe(127);
    expect(notFound.stderr).toMatch(/cannot execute: no-such-program-here/);
    for (const args of [['--read'], ['--read', '/usr'], ['--read', '/usr', '--'], ['--bogus', '--', 'true']]) {
      const r = spawnSync(helper, args, { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^usage: agor-sandbox/);
    }
  });
});

describe('agor-sandbox --deny-unix-sockets', () => {
  let dir: string;
  let server: Server;
  const sock = () => join(dir, 'control.sock');
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agor-sandbox-'));
    server = createServer((c) => c.end('hello\n'));
    await new Promise<void>((r) => server.listen(sock(), r));
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  // A Node agent: connects to a Unix socket (as to agor's control socket), then spawns a
  // child with piped output (a socketpair under the hood).
  const AGENT = `
    const net = require('node:net');
    const { spawnSync } = require('node:child_process');
    const c = net.connect(process.argv[1]);
    const rest = (what) => {
      const child = spawnSync('sh', ['-c', 'echo child'], { encoding: 'utf8' });
      console.log(what, child.stdout.trim() || child.error?.code);
    };
    c.on('data', () => (rest('connected'), process.exit(0)));
    c.on('error', (e) => (rest(e.code), process.exit(3)));`;
  // Asynchronous: the socket's server runs in this process and must answer meanwhile.
  const agent = async (...flags: string[]) => {
    const child = spawn(helper, [...SYSTEM, '--read', dirname(process.execPath), ...flags, '--', process.execPath, '-e', AGENT, sock()], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const status = await new Promise<number | null>((r) => child.once('close', r));
    return { stdout, status };
  };

  it('refuses the agent a Unix socket (EACCES) and still lets it run children with pipes', async () => {
    const r = await agent('--deny-unix-sockets');
    expect(r.stdout.trim()).toBe('EACCES child');
    expect(r.status).toBe(3);
  });

  it('without the flag, the same agent reaches the socket', async () => {
    const r = await agent();
    expect(r.stdout.trim()).toBe('connected child');
    expect(r.status).toBe(0);
  });
});
