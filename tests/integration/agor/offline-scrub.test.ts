// What a run printed of its secrets, read back with no supervisor running: its record
// names the keyring items it was given, and agor logs reads their values again to redact
// them. Against a real gnome-keyring under a bus of its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { startKeyring } from '../../helpers/keyring.js';
import { waitFor } from '../../helpers/wait.js';
import { type Group, group, sh } from './fixture.js';

async function setSecret(g: Group, env: Record<string, string>, name: string, value: string, agent?: string): Promise<void> {
  const r = await g.agor(['secret', 'set', name, ...(agent ? ['--agent', agent] : []), '-f', g.file], { env, input: `${value}\n` });
  expect(r.code, r.stderr).toBe(0);
}

/** A session with no D-Bus at all. */
function noBus(onTestFinished: (fn: () => void) => void): Record<string, string | undefined> {
  const runtime = mkdtempSync(join(tmpdir(), 'agor-nobus-'));
  onTestFinished(() => rmSync(runtime, { recursive: true, force: true }));
  return { DBUS_SESSION_BUS_ADDRESS: undefined, DBUS_SYSTEM_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: runtime };
}

// Not a well-known token shape: only the exact value and its encodings can find it.
const valueOf = (tag: string) => `offline-${tag}-${process.pid}-s3cret`;

/** An agent that prints its secret PW plain and in base64, then exits. */
const printer = (extra: object = {}) => ({
  command: sh(`"$T_NODE" -e 'const v = process.env.PW; console.log("plain " + v); console.log("base64 " + Buffer.from(v).toString("base64"))'; echo done`),
  secrets: [{ name: 'PW', from: 'API_PASSWORD' }],
  ...extra,
});

async function printedAndDown(g: Group, env: Record<string, string>): Promise<void> {
  await g.up(env);
  await g.waitRuns('printer', 'the run ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 20_000);
  const down = await g.down();
  expect(down.code, down.stderr).toBe(0);
}

describe('agor logs with no supervisor running', () => {
  it("shows a run's own secret, plain and base64, as [REDACTED:NAME], its record naming the keyring item and never the value", async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const value = valueOf('own');
    const g = group(onTestFinished, { agents: { printer: printer() } });
    await setSecret(g, kr.env, 'API_PASSWORD', value, 'printer');
    await printedAndDown(g, kr.env);

    const r = await g.agor(['logs', 'printer'], { env: kr.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['plain [REDACTED:PW]', 'base64 [REDACTED:PW]', 'done']);
    expect(r.stdout).not.toContain(value);
    expect(r.stdout).not.toContain(Buffer.from(value).toString('base64'));
    expect(r.stderr).toBe('');

    const [run] = await g.runs('printer');
    expect(JSON.parse(run!.secret_refs!)).toEqual([{ env: 'PW', name: 'API_PASSWORD', agent: 'printer' }]);
    expect(JSON.stringify(await g.runs())).not.toContain(value);
    // The log file keeps what the agent wrote.
    expect(g.logOf(run!)).toContain(`plain ${value}`);
  });

  it("records the group's shared item as the scope when the agent has none of its own, and redacts its value", async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const value = valueOf('shared');
    const g = group(onTestFinished, { agents: { printer: printer() } });
    await setSecret(g, kr.env, 'API_PASSWORD', value);
    await printedAndDown(g, kr.env);

    const [run] = await g.runs('printer');
    expect(JSON.parse(run!.secret_refs!)).toEqual([{ env: 'PW', name: 'API_PASSWORD', agent: null }]);
    const r = await g.agor(['logs', 'printer', '--json'], { env: kr.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"line":"plain [REDACTED:PW]"');
    expect(r.stdout).not.toContain(value);
  });

  it('redacts the secret while following (-f) too', async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const value = valueOf('follow');
    const g = group(onTestFinished, { agents: { printer: printer() } });
    await setSecret(g, kr.env, 'API_PASSWORD', value, 'printer');
    await printedAndDown(g, kr.env);

    const child = spawn(process.execPath, [join(ROOT, 'dist', 'agor.cjs'), 'logs', 'printer', '-f', '--db', g.db], {
      env: { ...process.env, ...kr.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    });
    let [out, err] = ['', ''];
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Generous: on a loaded machine the keyring's first answer can take seconds.
    await waitFor(
      'the followed output',
      () => out,
      (o) => o.includes('done'),
      { timeout: 25_000 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}; stdout: ${out}; stderr: ${err}`);
    });
    expect(out).toContain('plain [REDACTED:PW]');
    expect(out).not.toContain(value);
    child.kill('SIGTERM');
  }, 40_000);

  it('still shows the log when the keyring cannot be reached, redacting token shapes only and saying so once on stderr', async ({ onTestFinished }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    const value = valueOf('nobus');
    const ghp = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
    const g = group(onTestFinished, {
      agents: { printer: printer({ command: sh(`echo "plain $PW"; echo "plain $PW"; echo "GH_TOKEN=${ghp}"; echo done`) }) },
    });
    await setSecret(g, kr.env, 'API_PASSWORD', value);
    await printedAndDown(g, kr.env);

    const r = await g.agor(['logs', 'printer'], { env: noBus(onTestFinished) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('GH_TOKEN=[REDACTED:github-token]');
    expect(r.stdout).toContain('done');
    const warnings = r.stderr.split('\n').filter((l) => l.includes('secret values are not scrubbed'));
    expect(warnings, r.stderr).toHaveLength(1);
    expect(warnings[0]).toContain('no D-Bus session bus');
  });

  it('never reaches for the keyring for an agent whose runs were given no secrets', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { plain: { command: sh('echo hello; echo done') } } });
    await g.up();
    const [run] = await g.waitRuns('plain', 'the run ended', (rs) => rs.length > 0 && rs[0]!.outcome !== null, 20_000);
    expect(run!.secret_refs).toBeNull();
    expect((await g.down()).code).toBe(0);
    const r = await g.agor(['logs', 'plain'], { env: noBus(onTestFinished) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('hello');
    expect(r.stderr).toBe('');
  });
});
