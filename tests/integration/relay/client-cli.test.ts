import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunResult, json, runAsync } from '../../helpers/cli.js';
import { AGOR, type AgentView, alive, group, sh, sql, waitFor } from '../agor/fixture.js';
import { makeCertificate } from '../../../src/relay/tls.js';
import { ADMIN_TOKEN, certificate, relay } from './relay.js';
import { startTlsServer } from './tls-server.js';

type OnFinished = (fn: () => void | Promise<void>) => void;

/**
 * A client machine's configuration: its own XDG_CONFIG_HOME (hosts.yaml), and a session
 * bus address that leads nowhere, so host tokens go to the 0600 file, never a real keyring.
 */
function client(onTestFinished: OnFinished) {
  const dir = mkdtempSync(join(tmpdir(), 'agor-client-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const env = { XDG_CONFIG_HOME: dir, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus')}` };
  const agor = (args: string[], input?: string): Promise<RunResult> => runAsync('agor', args, { env, input, timeout: 30_000 });
  return { dir, env, agor, hosts: join(dir, 'agor', 'hosts.yaml'), tokens: join(dir, 'agor', 'host-tokens.json') };
}

const firstLine = (r: RunResult) => r.stderr.split('\n')[0];

/**
 * agor in a terminal of its own (script(1) gives it a pty), answering each prompt as it
 * appears: `answers` maps a prompt's text to what is typed after it.
 */
function inTerminal(env: Record<string, string>, args: string[], answers: [string, string][]): Promise<{ code: number | null; out: string }> {
  const cmd = [process.execPath, AGOR, ...args].map((w) => `'${w}'`).join(' ');
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, ...env, NO_COLOR: '1' } });
  let out = '';
  const pending = [...answers];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    while (pending.length && out.includes(pending[0]![0])) child.stdin.write(pending.shift()![1]);
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe.concurrent('agor hosts', () => {
  it('adds a host with the token on stdin after checking it, lists it, and rm forgets it and its token', async ({ onTestFinished }) => {
    const s = await startTlsServer({ token: ADMIN_TOKEN });
    onTestFinished(() => s.close());
    const c = client(onTestFinished);

    const add = await c.agor(['hosts', 'add', 'h1', s.url, '--pin', s.cert.pin, '--json'], `${ADMIN_TOKEN}\n`);
    expect(add.code, add.stderr).toBe(0);
    expect(json(add)).toMatchObject({ name: 'h1', url: s.url, pin: s.cert.pin, token: 'file', role: 'admin' });
    expect(s.seen.authorizations).toEqual([`Bearer ${ADMIN_TOKEN}`]);
    expect(statSync(c.hosts).mode & 0o777).toBe(0o600);
    expect(statSync(c.tokens).mode & 0o777).toBe(0o600);
    // The token is in the token file, never in hosts.yaml.
    expect(readFileSync(c.hosts, 'utf8')).not.toContain(ADMIN_TOKEN);
    expect(JSON.parse(readFileSync(c.tokens, 'utf8'))).toEqual({ h1: ADMIN_TOKEN });

    const list = await c.agor(['hosts', 'list', '--json']);
    expect(json(list)).toEqual([{ name: 'h1', url: s.url, pin: s.cert.pin, token: 'file' }]);
    const human = await c.agor(['hosts', 'list']);
    expect(human.stdout.split('\n')[0]).toMatch(/^NAME\s+URL\s+PIN\s+STORE$/);

    const again = await c.agor(['hosts', 'add', 'h1', s.url, '--pin', s.cert.pin], `${ADMIN_TOKEN}\n`);
    expect({ code: again.code, err: firstLine(again) }).toEqual({ code: 5, err: "agor: host 'h1' exists" });

    const rm = await c.agor(['hosts', 'rm', 'h1']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(json(await c.agor(['hosts', 'list', '--json']))).toEqual([]);
    expect(JSON.parse(readFileSync(c.tokens, 'utf8'))).toEqual({});
  });

  it('saves nothing when the relay refuses the token', async ({ onTestFinished }) => {
    const s = await startTlsServer({ token: ADMIN_TOKEN });
    onTestFinished(() => s.close());
    const c = client(onTestFinished);
    const r = await c.agor(['hosts', 'add', 'h1', s.url, '--pin', s.cert.pin], `agr_${'x'.repeat(43)}\n`);
    expect({ code: r.code, err: firstLine(r) }).toEqual({ code: 4, err: `agor: the relay at ${s.url} refused the token` });
    expect(() => statSync(c.hosts)).toThrow();
    expect(json(await c.agor(['hosts', 'list', '--json']))).toEqual([]);
  });

  it('without --pin and without a terminal, shows the fingerprint and sends no token', async ({ onTestFinished }) => {
    const s = await startTlsServer({ token: ADMIN_TOKEN });
    onTestFinished(() => s.close());
    const c = client(onTestFinished);
    const r = await c.agor(['hosts', 'add', 'h1', s.url], `${ADMIN_TOKEN}\n`);
    expect({ code: r.code, err: firstLine(r) }).toEqual({ code: 4, err: `agor: ${s.url} is not pinned: ${s.cert.pin}` });
    expect(r.stderr).toContain(`--pin ${s.cert.pin}`);
    await waitFor(
      'the server to see the connection close',
      () => s.seen.closedSockets,
      (n) => n >= 1,
    );
    expect(s.seen).toMatchObject({ bytes: 0, requests: 0, upgrades: 0 });
  });

  it('on a terminal, shows the certificate and sends the token only once the user trusts it', async ({ onTestFinished }) => {
    const s = await startTlsServer({ token: ADMIN_TOKEN });
    onTestFinished(() => s.close());
    const c = client(onTestFinished);

    const no = await inTerminal(c.env, ['hosts', 'add', 'h1', s.url], [['[y/N]', 'n\r']]);
    expect(no.code).toBe(4);
    expect(no.out).toContain(`pin ${s.cert.pin}`);
    expect(no.out).toContain('not trusted: nothing was saved');
    expect(s.seen).toMatchObject({ requests: 0, upgrades: 0 });

    const yes = await inTerminal(
      c.env,
      ['hosts', 'add', 'h1', s.url],
      [
        ['[y/N]', 'y\r'],
        ['(not shown)', `${ADMIN_TOKEN}\r`],
      ],
    );
    expect(yes.code, yes.out).toBe(0);
    expect(yes.out).toContain(`added h1: ${s.url}`);
    // Typed at a prompt that does not echo.
    expect(yes.out).not.toContain(ADMIN_TOKEN);
    expect(s.seen.authorizations).toEqual([`Bearer ${ADMIN_TOKEN}`]);
    expect(json(await c.agor(['hosts', 'list', '--json']))).toEqual([{ name: 'h1', url: s.url, pin: s.cert.pin, token: 'file' }]);
  });

  it('refuses a reserved or malformed name, and an unknown host with exit 3', async ({ onTestFinished }) => {
    const c = client(onTestFinished);
    const local = await c.agor(['hosts', 'add', 'local', 'wss://127.0.0.1:7650', '--pin', (await certificate()).pin], `${ADMIN_TOKEN}\n`);
    expect(local.code).toBe(2);
    const bad = await c.agor(['hosts', 'add', 'Bad!', 'wss://127.0.0.1:7650', '--pin', (await certificate()).pin], `${ADMIN_TOKEN}\n`);
    expect(bad.code).toBe(2);
    const ps = await c.agor(['--host', 'nowhere', 'ps']);
    expect({ code: ps.code, err: firstLine(ps) }).toEqual({ code: 3, err: "agor: no host 'nowhere'" });
    expect(ps.stderr).toContain('agor hosts list');
  });

  it('refuses a hosts.yaml that others may read', async ({ onTestFinished }) => {
    const s = await startTlsServer({ token: ADMIN_TOKEN });
    onTestFinished(() => s.close());
    const c = client(onTestFinished);
    expect((await c.agor(['hosts', 'add', 'h1', s.url, '--pin', s.cert.pin], `${ADMIN_TOKEN}\n`)).code).toBe(0);
    writeFileSync(c.hosts, readFileSync(c.hosts), { mode: 0o644 });
    const { chmodSync } = await import('node:fs');
    chmodSync(c.hosts, 0o644);
    const r = await c.agor(['hosts', 'list']);
    expect({ code: r.code, err: firstLine(r) }).toEqual({ code: 4, err: `agor: ${c.hosts} may be read by others (mode 644)` });
  });
});

describe.concurrent('agor --host', () => {
  it('refuses loudly when the relay offers another key than the pinned one, before sending anything', async ({ onTestFinished }) => {
    const s = await startTlsServer({ token: ADMIN_TOKEN });
    const c = client(onTestFinished);
    expect((await c.agor(['hosts', 'add', 'h1', s.url, '--pin', s.cert.pin], `${ADMIN_TOKEN}\n`)).code).toBe(0);
    // The relay is replaced by one with a new key on the same address.
    await s.close();
    const other = await startTlsServer({ port: s.port, token: ADMIN_TOKEN, cert: await makeCertificate(['127.0.0.1']) });
    onTestFinished(() => other.close());

    const r = await c.agor(['--host', 'h1', 'ps']);
    expect({ code: r.code, err: firstLine(r) }).toEqual({
      code: 4,
      err: `agor: the certificate of ${s.url} changed: pinned ${s.cert.pin}, offered ${other.cert.pin}`,
    });
    expect(r.stderr).toMatch(/agor hosts rm h1 and add it again with the new pin/);
    await waitFor(
      'the server to see the connection close',
      () => other.seen.closedSockets,
      (n) => n >= 1,
    );
    expect(other.seen).toMatchObject({ bytes: 0, requests: 0, upgrades: 0, authorizations: [] });
  });

  it('refuses verbs that do not take --host, and --host given twice', async ({ onTestFinished }) => {
    const c = client(onTestFinished);
    const up = await c.agor(['--host', 'h1', 'up']);
    expect({ code: up.code, err: firstLine(up) }).toEqual({ code: 2, err: 'agor: agor up does not take --host' });
    expect(up.stderr).toContain('ps, start, stop, restart, wake, logs, runs, audit');
    const sub = await c.agor(['--host', 'h1', 'secret', 'list']);
    expect(sub.code).toBe(2);
    const twice = await c.agor(['--host', 'h1', '--host', 'h2', 'ps']);
    expect({ code: twice.code, err: firstLine(twice) }).toEqual({ code: 2, err: 'agor: --host is given more than once' });
  });

  it('reloads agor.yaml on the relay host with --host: the plan with --dry-run, then applied', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const spec = { group: 'team', agents: { svc: { command: sh('exec sleep 300'), stop_grace: '1s' } } };
    g.write(spec);
    await g.up();
    const before = await g.waitAgent('svc', 'running', (a) => a.state === 'running');
    const r = await relay(onTestFinished, g.db);
    const c = client(onTestFinished);
    expect((await c.agor(['hosts', 'add', 'h1', r.url, '--pin', (await certificate()).pin], `${ADMIN_TOKEN}\n`)).code).toBe(0);
    g.write({ ...spec, agents: { ...spec.agents, extra: { command: sh('exec sleep 300'), stop_grace: '1s' } } });

    const dry = await c.agor(['--host', 'h1', 'reload', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('add extra: new in agor.yaml');
    expect((await g.ps()).map((a) => a.id)).toEqual(['svc']);
    const applied = await c.agor(['--host', 'h1', 'reload', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(json(applied)).toMatchObject({ dry_run: false, added: ['extra'] });
    await g.waitAgent('extra', 'running', (a) => a.state === 'running');
    expect((await g.agent('svc')).pid).toBe(before.pid);
    expect((await c.agor(['--host', 'h1', 'reload', '-f', g.file])).code).toBe(2);
  });

  it('runs ps, stop, start, wake, runs, audit and logs -f on the relay host as they run locally', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const goFile = join(g.dir, 'go');
    // A Claude Code line, which agor logs renders the same through the relay.
    const toolLine = join(g.dir, 'tool.jsonl');
    writeFileSync(
      toolLine,
      JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', id: 't1', name: 'Edit', input: { file_path: 'src/app.ts' } }] } }) + '\n',
    );
    g.write({
      group: 'team',
      agents: {
        svc: { command: sh(`echo first-line; while [ ! -f ${goFile} ]; do sleep 0.1; done; echo later-line; cat ${toolLine}; exec sleep 300`), stop_grace: '1s' },
        job: { command: sh('echo job-ran'), mode: 'on-demand' },
      },
    });
    await g.up();
    await g.waitAgent('svc', 'running', (a) => a.state === 'running');
    const r = await relay(onTestFinished, g.db);
    const c = client(onTestFinished);
    const pin = (await certificate()).pin;
    expect((await c.agor(['hosts', 'add', 'h1', r.url, '--pin', pin], `${ADMIN_TOKEN}\n`)).code).toBe(0);
    const host = (args: string[]) => c.agor(['--host', 'h1', ...args]);

    // ps: the same document as local agor ps --json.
    const still = ({ uptime_s: _u, last_output_at: _o, ...rest }: AgentView) => rest;
    const remote = json<AgentView[]>(await host(['ps', '--json']));
    const local = await g.ps();
    expect(remote.map(still)).toEqual(local.map(still));
    expect(Object.keys(remote[0]!).sort()).toEqual(Object.keys(local[0]!).sort());
    expect((await host(['ps'])).stdout).toMatch(/^AGENT\s+MODE\s+STATE/);

    // logs -f: the first line at once, a line written later as it comes.
    const follower = spawn(process.execPath, [AGOR, '--host', 'h1', 'logs', 'svc', '-f'], { env: { ...process.env, ...c.env, NO_COLOR: '1' } });
    onTestFinished(() => void (follower.exitCode === null && follower.kill('SIGKILL')));
    let out = '';
    follower.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await waitFor(
      'the first line',
      () => out,
      (o) => o.includes('first-line'),
    );
    expect(out).not.toContain('later-line');
    writeFileSync(goFile, '');
    await waitFor(
      'the later line through the relay',
      () => out,
      (o) => o.includes('later-line') && o.includes('● Edit src/app.ts'),
    );
    expect(out).not.toContain('"tool_use"');
    follower.kill('SIGTERM');

    // stop, then start: the agent's process goes and comes back.
    const before = await g.agent('svc');
    const stop = await host(['stop', 'svc', '--json']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(json<AgentView[]>(stop)[0]).toMatchObject({ id: 'svc', state: 'inactive', pid: null });
    expect(alive(before.pid!)).toBe(false);
    const start = await host(['start', 'svc']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/^svc: running/);

    // wake: queued on that host by its supervisor.
    const wake = await host(['wake', 'job', '--reason', 'from the laptop', '--json']);
    expect(wake.code, wake.stderr).toBe(0);
    expect(json(wake)).toMatchObject({ agent: 'job', reason: 'manual', detail: 'from the laptop', supervisor_running: true });
    await g.waitRuns('job', 'a run from the wake', (rs) => rs.some((x) => x.outcome === 'success'));

    // runs and audit: the same documents as locally; the audit names the token.
    const runs = json<{ id: string }[]>(await host(['runs', '--json']));
    expect(runs.map((x) => x.id)).toEqual((await g.ok<{ id: string }[]>(['runs'])).map((x) => x.id));
    const audit = json<{ type: string; detail: unknown }[]>(await host(['audit', '--type', 'relay_action', '--json']));
    expect(audit.map((e) => e.detail)).toEqual([
      { token: 'laptop', op: 'stop', agents: ['svc'] },
      { token: 'laptop', op: 'start', agents: ['svc'] },
      expect.objectContaining({ token: 'laptop', op: 'wake', agent: 'job' }),
    ]);
    const rows = sql(g.db, (db) => db.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE event_type = 'relay_action'`).get()) as { n: number };
    expect(rows.n).toBe(3);
  });
});
