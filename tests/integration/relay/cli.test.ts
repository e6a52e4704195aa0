import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinOf } from '../../../src/relay/pin.js';
import { type RunResult, btmsg, run, tempDb } from '../../helpers/cli.js';
import { startKeyring } from '../../helpers/keyring.js';
import { type RelayProcess, pinnedConnect, relayEnv, request, startRelayProcess, upgradeStatus } from './relay-process.js';

let t: ReturnType<typeof tempDb>;
let config: string;
let relayDir: string;
let relays: RelayProcess[] = [];
beforeEach(() => {
  t = tempDb();
  config = join(t.dir, 'config');
  relayDir = join(config, 'agor', 'relay');
  // The database the relay serves exists, as on a host where agor already runs.
  expect(btmsg(['inbox', '--json'], { db: t.db, as: 'admin' }).code).toBe(0);
});
afterEach(async () => {
  for (const r of relays) await r.stop();
  relays = [];
  t.cleanup();
});

const relay = (args: string[], input?: string): RunResult =>
  run('agor-relay', args, { db: t.db, input, env: { XDG_CONFIG_HOME: config, DBUS_SESSION_BUS_ADDRESS: undefined } });

interface Init {
  url: string;
  pin: string;
  token: string;
  token_name: string;
  role: string;
  dir: string;
  add: string;
}
function init(args: string[] = []): Init {
  const r = relay(['init', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Init;
}

async function serve(args: string[] = ['--listen', '127.0.0.1:0']): Promise<RelayProcess> {
  const r = await startRelayProcess(args, relayEnv({ config, db: t.db }));
  relays.push(r);
  return r;
}

const mode = (f: string) => statSync(f).mode & 0o777;

describe('agor-relay init', () => {
  it('prints the url, the pin of cert.pem and an admin token, and keeps every file private', () => {
    const made = init();
    expect(made).toMatchObject({ url: 'wss://127.0.0.1:7650', token_name: 'admin', role: 'admin', dir: relayDir });
    expect(made.token).toMatch(/^agr_[A-Za-z0-9_-]{43}$/);
    expect(made.pin).toBe(pinOf(readFileSync(join(relayDir, 'cert.pem'))));
    expect(made.add).toBe(`agor hosts add ${made.add.split(' ')[3]} wss://127.0.0.1:7650 --pin ${made.pin}`);
    expect(mode(relayDir)).toBe(0o700);
    for (const f of ['cert.pem', 'key.pem', 'tokens.json', 'tokens.secret.json']) expect(mode(join(relayDir, f)), f).toBe(0o600);
    const cert = new X509Certificate(readFileSync(join(relayDir, 'cert.pem')));
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(join(relayDir, 'key.pem'))))).toBe(true);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(readFileSync(join(relayDir, 'tokens.json'), 'utf8')).not.toContain(made.token);
  });

  it('puts the listen address and --san names in the certificate and the URL', () => {
    const made = init(['--listen', '[::1]:7700', '--san', 'relay.example.org', '--name', 'root']);
    expect(made).toMatchObject({ url: 'wss://[::1]:7700', token_name: 'root' });
    const cert = new X509Certificate(readFileSync(join(relayDir, 'cert.pem')));
    expect(cert.subjectAltName).toContain('DNS:relay.example.org');
  });

  it('refuses to run twice (exit 5) and leaves the key alone; --force makes a new key and says the pin changed', () => {
    const first = init();
    const key = readFileSync(join(relayDir, 'key.pem'), 'utf8');
    const again = relay(['init']);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('already holds a certificate');
    expect(again.stderr).toContain('--force');
    expect(readFileSync(join(relayDir, 'key.pem'), 'utf8')).toBe(key);
    const forced = relay(['init', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`its pin changed from ${first.pin}`);
    expect(readFileSync(join(relayDir, 'key.pem'), 'utf8')).not.toBe(key);
    expect(relay(['token', 'list', '--json']).stdout.match(/"admin"/g)?.length).toBe(2); // name and role of the one admin token
  });
});

describe('agor-relay token', () => {
  it('adds, lists (never values) and removes tokens; removing an unknown one exits 3', () => {
    init();
    const add = relay(['token', 'add', 'wall', '--json']);
    expect(add.code, add.stderr).toBe(0);
    const made = JSON.parse(add.stdout) as { name: string; role: string; token: string; store: string };
    expect(made).toMatchObject({ name: 'wall', role: 'read', store: 'file' });
    const human = relay(['token', 'add', 'ops', '--role', 'admin']);
    expect(human.code).toBe(0);
    const opsToken = /agr_[A-Za-z0-9_-]{43}/.exec(human.stdout)![0];
    const list = relay(['token', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((x: { name: string; role: string }) => [x.name, x.role])).toEqual([
      ['admin', 'admin'],
      ['wall', 'read'],
      ['ops', 'admin'],
    ]);
    const table = relay(['token', 'list']);
    for (const out of [list.stdout, table.stdout]) expect(out).not.toMatch(/agr_/);
    expect(table.stdout).toMatch(/^wall\s+read\s+\S+\s+file$/m);
    expect(relay(['token', 'add', 'wall']).code).toBe(5);
    expect(relay(['token', 'add', 'x', '--role', 'root']).code).toBe(2);
    expect(relay(['token', 'rm', 'wall']).code).toBe(0);
    expect(relay(['token', 'rm', 'wall']).code).toBe(3);
    expect(JSON.parse(relay(['token', 'list', '--json']).stdout).map((x: { name: string }) => x.name)).toEqual(['admin', 'ops']);
    expect(readFileSync(join(relayDir, 'tokens.secret.json'), 'utf8')).not.toContain(made.token);
    expect(readFileSync(join(relayDir, 'tokens.secret.json'), 'utf8')).toContain(opsToken);
  });
});

describe('agor-relay --check', () => {
  it('is green after init, with one line per finding', () => {
    init();
    const r = relay(['--check']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout).toMatch(/^ok +certificate: /m);
    expect(r.stdout).toMatch(/^ok +database: /m);
    const j = JSON.parse(relay(['check', '--json']).stdout) as { ok: boolean };
    expect(j.ok).toBe(true);
  });

  it('names a private key others can read', () => {
    init();
    chmodSync(join(relayDir, 'key.pem'), 0o644);
    const r = relay(['--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL certificate: the private key .*key\.pem may be read by others \(mode 644\)/m);
  });

  it('names a token whose value is missing', () => {
    init();
    writeFileSync(join(relayDir, 'tokens.secret.json'), '{}\n', { mode: 0o600 });
    const r = relay(['--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL token: token 'admin' \(admin\) has no value in the file/m);
    expect(r.stdout).toMatch(/^FAIL tokens: no usable admin token/m);
  });

  it('names a certificate that does not match its key', () => {
    init();
    const otherConfig = join(t.dir, 'other');
    const other = run('agor-relay', ['init', '--json'], { db: t.db, env: { XDG_CONFIG_HOME: otherConfig, DBUS_SESSION_BUS_ADDRESS: undefined } });
    expect(other.code).toBe(0);
    copyFileSync(join(otherConfig, 'agor', 'relay', 'key.pem'), join(relayDir, 'key.pem'));
    const r = relay(['--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL certificate: the certificate .*cert\.pem does not match the key/m);
  });
});

describe('agor-relay serving', () => {
  it('answers a client that pinned its certificate and holds a token, refuses a wrong token with 401, and ends with exit 0 on SIGTERM', async () => {
    const made = init();
    const r = await serve();
    expect(r.listening).toMatchObject({ pin: made.pin, db: t.db, dir: relayDir, store: 'file' });
    expect(r.listening.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const ws = await pinnedConnect(r.listening.url, made.pin, made.token);
    const hello = await request(ws, { id: 1, op: 'hello' });
    expect(hello).toMatchObject({ id: 1, ok: true, result: { token: 'admin', role: 'admin', db: t.db } });
    ws.close();
    expect(await upgradeStatus(r.listening.url, made.pin, made.token.slice(0, -1) + (made.token.endsWith('A') ? 'B' : 'A'))).toBe(401);
    expect(await upgradeStatus(r.listening.url, made.pin, null)).toBe(401);
    expect(await r.stop()).toBe(0);
    expect(r.events().at(-1)).toMatchObject({ event: 'stopped' });
  });

  it('refuses, from the next second on, a token removed while it runs', async () => {
    const made = init();
    const add = JSON.parse(relay(['token', 'add', 'temp', '--json']).stdout) as { token: string };
    const r = await serve();
    expect(await upgradeStatus(r.listening.url, made.pin, add.token)).toBe(101);
    expect(relay(['token', 'rm', 'temp']).code).toBe(0);
    const { waitFor } = await import('../../helpers/wait.js');
    await waitFor(
      'the running relay to refuse the removed token',
      () => upgradeStatus(r.listening.url, made.pin, add.token),
      (s) => s === 401,
      { timeout: 5000 },
    );
    expect(await upgradeStatus(r.listening.url, made.pin, made.token)).toBe(101);
  });

  it('refuses to start without a certificate (exit 3, naming init), without a token (exit 3), or with a key others can read (exit 4)', () => {
    const none = relay(['--listen', '127.0.0.1:0']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no certificate at');
    expect(none.stderr).toContain('agor-relay init');
    init();
    chmodSync(join(relayDir, 'key.pem'), 0o640);
    const open = relay(['--listen', '127.0.0.1:0']);
    expect(open.code).toBe(4);
    expect(open.stderr).toContain('may be read by others');
    chmodSync(join(relayDir, 'key.pem'), 0o600);
    expect(relay(['token', 'rm', 'admin']).code).toBe(0);
    const noToken = relay(['--listen', '127.0.0.1:0']);
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toContain('no usable token');
  });

  it('says the address is busy (exit 7) when another relay holds the port', async () => {
    init();
    const r = await serve();
    const port = new URL(r.listening.url).port;
    const second = relay(['--listen', `127.0.0.1:${port}`]);
    expect(second.code).toBe(7);
    expect(second.stderr).toContain(`127.0.0.1:${port} is in use`);
  });

  it('serves plain ws only when told: on loopback with one --insecure, elsewhere only with two', async () => {
    init();
    const once = relay(['--listen', '0.0.0.0:0', '--insecure']);
    expect(once.code).toBe(4);
    expect(once.stderr).toContain('--insecure twice');
    const loop = await serve(['--listen', '127.0.0.1:0', '--insecure']);
    expect(loop.listening.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(loop.listening.pin).toBeNull();
    const twice = await serve(['--listen', '0.0.0.0:0', '--insecure', '--insecure']);
    expect(twice.listening.url).toMatch(/^ws:\/\/0\.0\.0\.0:\d+$/);
    expect(await twice.stop()).toBe(0);
    expect(await loop.stop()).toBe(0);
  });

  it('with --headless writes one plain line per event on stderr, control characters shown, not sent', async () => {
    const made = init();
    const { spawn } = await import('node:child_process');
    const { ROOT } = await import('../../helpers/cli.js');
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'agor-relay.cjs'), '--listen', '127.0.0.1:0', '--headless'], {
      env: relayEnv({ config, db: t.db }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let out = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const { waitFor } = await import('../../helpers/wait.js');
    const url = (await waitFor(
      'the listening line',
      () => /listening url=(wss:\/\/\S+)/.exec(err),
      (m) => m !== null,
    ))![1]!;
    expect(await upgradeStatus(url, made.pin, made.token, { Origin: 'https://evil.example\x9b2J' })).toBe(403);
    await waitFor(
      'the refusal in the log',
      () => err,
      (e) => e.includes(' refused '),
    );
    process.kill(child.pid!, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toBe('');
    // U+009B is CSI: a terminal would take what follows as a command.
    expect(err).not.toContain('\x9b');
    expect(err).toMatch(/^\S+Z warn refused addr=127\.0\.0\.1 origin "https:\/\/evil\.example/m);
    expect(err.match(/ listening /g)?.length).toBe(1);
    expect(err).toMatch(/^\S+Z info stopped SIGTERM$/m);
  });
});

describe('token storage', () => {
  it('without a keyring keeps values in the 0600 token file', () => {
    const made = init();
    expect(mode(join(relayDir, 'tokens.secret.json'))).toBe(0o600);
    expect(readFileSync(join(relayDir, 'tokens.secret.json'), 'utf8')).toContain(made.token);
  });

  it('with a keyring keeps values there, and no file holds them; the relay and --check read them from it', async () => {
    const k = await startKeyring();
    try {
      const env = { XDG_CONFIG_HOME: config, ...k.env };
      const withKeyring = (args: string[]) => run('agor-relay', args, { db: t.db, env });
      const r = withKeyring(['init', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const made = JSON.parse(r.stdout) as Init & { store: string };
      expect(made.store).toBe('keyring');
      expect(existsSync(join(relayDir, 'tokens.secret.json'))).toBe(false);
      for (const f of readdirSync(relayDir)) expect(readFileSync(join(relayDir, f), 'utf8'), f).not.toContain(made.token);
      const check = withKeyring(['--check']);
      expect(check.code, check.stdout).toBe(0);
      expect(check.stdout).toContain('the keyring (group agor-relay-');
      // Without the keyring, the token's value cannot be found: --check says where it should be.
      const blind = relay(['--check']);
      expect(blind.code).toBe(1);
      expect(blind.stdout).toMatch(/^FAIL token: token 'admin' \(admin\) has no value in the keyring/m);
      const served = await startRelayProcess(['--listen', '127.0.0.1:0'], relayEnv({ config, db: t.db, env: k.env }));
      relays.push(served);
      expect(served.listening.store).toBe('keyring');
      const ws = await pinnedConnect(served.listening.url, made.pin, made.token);
      expect(await request(ws, { id: 'a', op: 'hello' })).toMatchObject({ ok: true, result: { token: 'admin', role: 'admin' } });
      ws.close();
      expect(await served.stop()).toBe(0);
      expect(withKeyring(['token', 'rm', 'admin']).code).toBe(0);
      expect(withKeyring(['--check']).stdout).toMatch(/^FAIL tokens: no tokens/m);
    } finally {
      k.stop();
    }
  });
});
