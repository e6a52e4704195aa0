import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startKeyring } from '../../helpers/keyring.js';
import { json } from '../../helpers/cli.js';
import { type Detached, type Group, group, sh, waitFor } from './fixture.js';

/** The environment of a process, as /proc shows it to the user who runs it. */
function environ(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)) {
    const i = kv.indexOf('=');
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** Every readable /proc/PID/cmdline, joined: what `ps` would show of every argv. */
function allArgv(): string {
  const out: string[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      out.push(readFileSync(`/proc/${d}/cmdline`, 'utf8'));
    } catch {
      /* gone, or not ours */
    }
  }
  return out.join('\n');
}

/** The bytes of the database and its WAL, as text (SQLite stores TEXT as is). */
function dbFiles(db: string): string {
  return ['', '-wal']
    .map((suffix) => {
      try {
        return readFileSync(db + suffix).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('');
}

/** A session with no D-Bus: no bus address, and an XDG_RUNTIME_DIR with no bus socket in it. */
function noBus(onTestFinished: (fn: () => void) => void): Record<string, string | undefined> {
  const runtime = mkdtempSync(join(tmpdir(), 'agor-nobus-'));
  onTestFinished(() => rmSync(runtime, { recursive: true, force: true }));
  return { DBUS_SESSION_BUS_ADDRESS: undefined, DBUS_SYSTEM_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: runtime };
}

describe('an agent that names secrets', () => {
  it('does not start when the keyring cannot be reached (failed, class secrets, not retried, the note naming the secret), while an agent without secrets starts with no bus at all', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished, {
      agents: {
        needy: { command: sh('echo started > needy.ran; sleep 1000'), secrets: ['GITHUB_TOKEN', { name: 'GH', from: 'NPM_TOKEN' }] },
        plain: { command: sh('echo up; sleep 1000'), stop_grace: '1s' },
      },
    });
    const r = await g.agor(['up', '-d', '-f', g.file, '--json'], { env: noBus(onTestFinished) });
    expect(r.code, r.stderr).toBe(0);
    const sup = json<Detached>(r);

    const [run] = await g.waitRuns('needy', 'the refused run ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 20_000);
    expect(run).toMatchObject({ outcome: 'failed', error_class: 'secrets', pid: null });
    expect(run!.note).toContain('the keyring could not be read for GITHUB_TOKEN, NPM_TOKEN');
    expect(g.logOf(run!)).toMatch(/^agor: the run was not started: the keyring could not be read for GITHUB_TOKEN, NPM_TOKEN/);
    await g.waitAgent('needy', 'is failed', (a) => a.state === 'failed' && a.health === 'failed');
    await g.waitAgent('plain', 'is running', (a) => a.state === 'running' && a.pid !== null);

    // Failed, not waiting for a retry: that one run is all there is, and nothing ran.
    expect(await g.runs('needy')).toHaveLength(1);
    expect(() => readFileSync(join(g.dir, 'needy.ran'))).toThrow();
    const audit = await g.agor(['audit', '--json']);
    expect(audit.stdout).toContain('run_secrets_unavailable');
    expect(readFileSync(sup.log, 'utf8')).toMatch(/needy.*secrets failure: not retried/);
  });
});

describe('every agent', () => {
  it('runs without the D-Bus addresses and keyring variables of the supervisor, keeping XDG_RUNTIME_DIR (and SSH_AUTH_SOCK only where Unix sockets are allowed)', async ({
    onTestFinished,
  }) => {
    const runtime = mkdtempSync(join(tmpdir(), 'agor-runtime-'));
    onTestFinished(() => rmSync(runtime, { recursive: true, force: true }));
    const g = group(onTestFinished, {
      agents: {
        boxed: { command: sh('sleep 1000'), stop_grace: '1s' },
        sockets: { command: sh('sleep 1000'), stop_grace: '1s', sandbox: { unix_sockets: 'allow' } },
      },
    });
    const bus = {
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${runtime}/bus`,
      DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/run/dbus/system_bus_socket',
      GNOME_KEYRING_CONTROL: `${runtime}/keyring`,
      SSH_AUTH_SOCK: `${runtime}/keyring/ssh`,
      XDG_RUNTIME_DIR: runtime,
    };
    await g.up(bus);
    const [boxed, sockets] = await Promise.all(['boxed', 'sockets'].map((id) => g.waitAgent(id, 'is running', (a) => a.pid !== null)));
    const e = environ(boxed!.pid!);
    for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'DBUS_SYSTEM_BUS_ADDRESS', 'GNOME_KEYRING_CONTROL', 'SSH_AUTH_SOCK']) expect(e, name).not.toHaveProperty(name);
    expect(e.XDG_RUNTIME_DIR).toBe(runtime);
    const s = environ(sockets!.pid!);
    expect(s.SSH_AUTH_SOCK).toBe(bus.SSH_AUTH_SOCK);
    expect(s).not.toHaveProperty('DBUS_SESSION_BUS_ADDRESS');
  });
});

// The round trip through a real Secret Service: a gnome-keyring under a bus of its own.
// Secrets are stored with agor secret set, as a user would: in a process of its own, since
// the keyring library keeps its first D-Bus connection for the life of a process.
async function setSecret(g: Group, env: Record<string, string>, name: string, value: string, agent?: string): Promise<void> {
  const r = await g.agor(['secret', 'set', name, ...(agent ? ['--agent', agent] : []), '-f', g.file], { env, input: `${value}\n` });
  expect(r.code, r.stderr).toBe(0);
}

describe('secrets from a real keyring', () => {
  it("hands each run exactly its secrets (its own shadowing the group's) in /proc/PID/environ, and never shows them in agor ps, agor runs, the socket, argv or the database", async ({
    onTestFinished,
  }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const tag = String(process.pid) + Date.now().toString(36);
    const own = `ghp_own${tag}0123456789abcdefghijklmnopqrstu`;
    const shared = `shared-${tag}-value`;
    const npm = `npm-${tag}-value`;
    const g = group(onTestFinished, {
      agents: {
        alpha: { command: sh('sleep 1000'), stop_grace: '1s', secrets: ['GITHUB_TOKEN', { name: 'NPM', from: 'NPM_TOKEN' }] },
        beta: { command: sh('sleep 1000'), stop_grace: '1s', secrets: ['GITHUB_TOKEN'] },
        gamma: { command: sh('sleep 1000'), stop_grace: '1s' },
      },
    });
    await setSecret(g, kr.env, 'GITHUB_TOKEN', own, 'alpha');
    await setSecret(g, kr.env, 'GITHUB_TOKEN', shared);
    await setSecret(g, kr.env, 'NPM_TOKEN', npm);
    const sup = await g.up(kr.env);
    const pids = Object.fromEntries(
      await Promise.all(['alpha', 'beta', 'gamma'].map(async (id) => [id, (await g.waitAgent(id, 'is running', (a) => a.pid !== null)).pid!] as const)),
    );

    const [a, b, c] = [environ(pids.alpha!), environ(pids.beta!), environ(pids.gamma!)];
    expect(a).toMatchObject({ GITHUB_TOKEN: own, NPM: npm });
    expect(a).not.toHaveProperty('NPM_TOKEN');
    expect(b).toMatchObject({ GITHUB_TOKEN: shared });
    expect(Object.values(b)).not.toContain(own);
    expect(Object.values(c).join('\n')).not.toMatch(new RegExp(`${own}|${shared}|${npm}`));
    for (const e of [a, b, c]) expect(e).not.toHaveProperty('DBUS_SESSION_BUS_ADDRESS');

    const values = [own, shared, npm];
    await waitFor(
      'the runs recorded',
      () => g.runs(),
      (rs) => rs.length === 3 && rs.every((r) => r.pid !== null),
    );
    const conn = await g.connect();
    const places = {
      'agor ps --json': (await g.agor(['ps', '--json'])).stdout,
      'agor runs --json': (await g.agor(['runs', '--json'])).stdout,
      'agor audit --json': (await g.agor(['audit', '--json'])).stdout,
      "the socket's list": JSON.stringify(await conn.request('list')),
      'the argv of every process': allArgv(),
      'the database and its WAL': dbFiles(g.db),
      "the supervisor's log": readFileSync(sup.log, 'utf8'),
    };
    for (const [where, text] of Object.entries(places)) for (const v of values) expect(text.includes(v), `${where} holds a secret`).toBe(false);
  });

  it("does not start an agent whose secret is in neither its own scope nor the group's, naming it and the command that sets it", async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const g = group(onTestFinished, { agents: { lacking: { command: sh('echo ran > lacking.ran; sleep 1000'), secrets: ['NOT_SET_ANYWHERE'] } } });
    await g.up(kr.env);
    const [run] = await g.waitRuns('lacking', 'the refused run ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 20_000);
    expect(run).toMatchObject({ outcome: 'failed', error_class: 'secrets' });
    expect(run!.note).toContain('secret NOT_SET_ANYWHERE is not in the keyring');
    expect(run!.note).toContain('agor secret set NOT_SET_ANYWHERE --agent lacking');
    expect(() => readFileSync(join(g.dir, 'lacking.ran'))).toThrow();
  });

  it('never hands an agent a system secret', async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const g = group(onTestFinished, { group: 'test', agents: { sys: { command: sh('echo ran > sys.ran; sleep 1000'), secrets: ['RELAY_TOKEN'] } } });
    const set = await g.agor(['secret', 'set', 'RELAY_TOKEN', '--system', '-f', g.file], { env: kr.env, input: 'relay-secret-value\n' });
    expect(set.code, set.stderr).toBe(0);
    await g.up(kr.env);
    const [run] = await g.waitRuns('sys', 'the refused run ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 20_000);
    expect(run).toMatchObject({ outcome: 'failed', error_class: 'secrets' });
    expect(run!.note).toContain('RELAY_TOKEN is a system secret');
    expect(() => readFileSync(join(g.dir, 'sys.ran'))).toThrow();
  });

  it('shows what a run printed of its own secret (plain, base64, hex, URL-encoded) as [REDACTED:NAME] in agor logs and the socket', async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    // Not a well-known token shape: only the exact value and its encodings can find it.
    const value = `p@ss/w0rd+${process.pid}=x?y`;
    const print = (expr: string) => `"$T_NODE" -e 'const v = process.env.PW; console.log(${expr})'`;
    const g = group(onTestFinished, {
      agents: {
        printer: {
          command: sh(
            [
              print('"plain " + v'),
              print('"base64 " + Buffer.from(v).toString("base64")'),
              print('"hex " + Buffer.from(v).toString("hex")'),
              print('"url " + encodeURIComponent(v)'),
              'echo done',
              'sleep 1000',
            ].join('\n'),
          ),
          stop_grace: '1s',
          secrets: [{ name: 'PW', from: 'API_PASSWORD' }],
        },
      },
    });
    await setSecret(g, kr.env, 'API_PASSWORD', value);
    await g.up(kr.env);
    const forms = [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex'), encodeURIComponent(value)];
    const logs = await waitFor(
      'the printed forms',
      async () => (await g.agor(['logs', 'printer'])).stdout,
      (o) => o.includes('done'),
      { timeout: 20_000 },
    );
    expect(logs.split('\n').slice(0, 4)).toEqual(['plain [REDACTED:PW]', 'base64 [REDACTED:PW]', 'hex [REDACTED:PW]', 'url [REDACTED:PW]']);
    const conn = await g.connect();
    const answer = JSON.stringify(await conn.request('logs', { agent: 'printer', lines: 10 }));
    expect(answer).toContain('plain [REDACTED:PW]');
    for (const f of forms) {
      expect(logs.includes(f), `agor logs shows ${f}`).toBe(false);
      expect(answer.includes(f), `the socket shows ${f}`).toBe(false);
    }
    // The file itself is as the agent wrote it.
    const [run] = await g.runs('printer');
    expect(g.logOf(run!)).toContain(`plain ${value}`);
  });

  it('does not start an agent whose secrets are in a locked keyring, saying it is locked and how to unlock it', async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const g = group(onTestFinished, {
      agents: {
        locked: { command: sh('echo ran > locked.ran; sleep 1000'), secrets: ['GITHUB_TOKEN'] },
        plain: { command: sh('sleep 1000'), stop_grace: '1s' },
      },
    });
    await setSecret(g, kr.env, 'GITHUB_TOKEN', `ghp_${'L'.repeat(36)}`);
    kr.lock();
    expect(kr.locked()).toBe(true);
    await g.up(kr.env);
    const [run] = await g.waitRuns('locked', 'the refused run ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 20_000);
    expect(run).toMatchObject({ outcome: 'failed', error_class: 'secrets' });
    expect(run!.note).toContain('the keyring could not be read for GITHUB_TOKEN: keyring unavailable: the keyring is locked');
    expect(run!.note).toContain('gnome-keyring-daemon --replace --unlock');
    await g.waitAgent('plain', 'is running', (a) => a.state === 'running' && a.pid !== null);
    expect(() => readFileSync(join(g.dir, 'locked.ran'))).toThrow();
  });
});

describe('agents that run as users of their own', () => {
  it.skipIf(process.getuid?.() !== 0)(
    "keep each other's secrets out of reach: /proc/PID/environ is readable by its owner alone (user:)",
    async ({ onTestFinished }) => {
      const kr = await startKeyring();
      onTestFinished(() => kr.stop());
      const own = `ghp_user${process.pid}${Date.now().toString(36)}abcdefghijklmnopqrstuvwx`;
      // beta waits for alpha to run, then reads every environ it can: as another user, alpha's is not one of them.
      const scan = `until pgrep -f '^sleep 1001$' >/dev/null; do sleep 0.1; done; for p in /proc/[0-9]*; do cat "$p/environ" 2>/dev/null; done | tr '\\0' '\\n' | grep -c "${own}" > "$TMPDIR/found"; sleep 1000`;
      const g = group(onTestFinished, {
        agents: {
          alpha: { user: 'daemon', command: ['sleep', '1001'], stop_grace: '1s', secrets: ['GITHUB_TOKEN'] },
          beta: { user: 'nobody', command: sh(scan), stop_grace: '1s' },
        },
      });
      // The agents' users must reach their cwd and the database's directory.
      chmodSync(g.dir, 0o755);
      await setSecret(g, kr.env, 'GITHUB_TOKEN', own, 'alpha');
      await g.up(kr.env);
      const alpha = await g.waitAgent('alpha', 'is running', (a) => a.pid !== null);
      expect(environ(alpha.pid!).GITHUB_TOKEN).toBe(own);
      const found = join(g.dir, 'tmp', 'beta', 'found');
      const n = await waitFor(
        'beta to have looked',
        () => (existsSync(found) ? readFileSync(found, 'utf8').trim() : ''),
        (s) => s !== '',
        { timeout: 20_000 },
      );
      expect(n).toBe('0');
    },
  );
});
