import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, tempDb } from '../../helpers/cli.js';
import { type TestKeyring, startKeyring } from '../../helpers/keyring.js';
import { waitFor } from '../../helpers/wait.js';

let t: ReturnType<typeof tempDb>;
let k: TestKeyring | undefined;
beforeEach(() => {
  t = tempDb();
  writeFileSync(join(t.dir, 'agor.yaml'), 'group: errs\nagents:\n  a:\n    command: [sleep, "1"]\n    secrets: [GITHUB_TOKEN]\n');
});
afterEach(() => {
  k?.stop();
  k = undefined;
  t.cleanup();
});

const VALUE = 'ghp_mustnotbewritten0123456789abcdefAB';
const agor = (args: string[], env: Record<string, string | undefined>, input?: string) => run('agor', args, { db: t.db, cwd: t.dir, input, env });

/** Nothing under the test's directory holds the value, and no secret was recorded. */
function expectNothingWritten(): void {
  for (const f of readdirSync(t.dir, { recursive: true, encoding: 'utf8' }).map((f) => join(t.dir, f)))
    if (statSync(f).isFile()) expect(readFileSync(f).includes(VALUE), f).toBe(false);
  if (existsSync(t.db)) {
    const list = agor(['secret', 'list', '--json'], {});
    expect(JSON.parse(list.stdout)).toEqual([]);
  }
}

describe('a keyring that cannot be used', () => {
  it("without a session bus, set fails with 'no D-Bus session bus', names the fix, exits 1 and writes nothing", () => {
    const r = agor(['secret', 'set', 'GITHUB_TOKEN'], { DBUS_SESSION_BUS_ADDRESS: undefined }, VALUE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no D-Bus session bus');
    expect(r.stderr).toContain('dbus-run-session');
    expect(r.stderr).toContain('gnome-keyring-daemon --unlock --components=secrets');
    expectNothingWritten();
    const json = agor(['secret', 'set', 'GITHUB_TOKEN', '--json'], { DBUS_SESSION_BUS_ADDRESS: undefined }, VALUE);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'failure', exit: 1 });
  });

  it('still lists what the database records, since list never opens the keyring', () => {
    const r = agor(['secret', 'list', '--json'], { DBUS_SESSION_BUS_ADDRESS: undefined });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it("treats a bus address that leads nowhere as 'no-bus' too, and check says so with exit 1", () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(t.dir, 'no-such-bus')}` };
    const r = agor(['secret', 'set', 'GITHUB_TOKEN'], env, VALUE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no D-Bus session bus');
    const check = agor(['secret', 'check', '--json'], env);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).keyring).toMatchObject({ ok: false, kind: 'no-bus' });
    expectNothingWritten();
  });

  it("on a bus with no keyring daemon, says there is no Secret Service ('no-service')", async () => {
    k = await startKeyring({ password: null });
    const r = agor(['secret', 'set', 'GITHUB_TOKEN'], k.env, VALUE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no Secret Service');
    expect(JSON.parse(agor(['secret', 'check', '--json'], k.env).stdout).keyring.kind).toBe('no-service');
    expectNothingWritten();
  });

  it("refuses a locked keyring ('locked') and stores nothing", async () => {
    k = await startKeyring();
    k.lock();
    expect(k.locked()).toBe(true);
    const r = agor(['secret', 'set', 'GITHUB_TOKEN'], k.env, VALUE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the keyring is locked');
    const check = agor(['secret', 'check'], k.env);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('the keyring is locked');
    expectNothingWritten();
  });

  it('finds the keyring locked after gnome-keyring-daemon --unlock was given a wrong password and exited 0', async () => {
    k = await startKeyring({ password: 'right-password' });
    k.stopDaemon();
    const unlock = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--daemonize'], {
      env: { ...process.env, ...k.env },
      input: 'wrong-password',
    });
    // --daemonize returns before the daemon has taken its name on the bus: wait for it to answer.
    const locked = await waitFor(
      'the keyring daemon on the bus',
      () => k!.locked(),
      (v: boolean | null) => v !== null,
      { timeout: 20_000 },
    );
    const pid = k.servicePid();
    try {
      expect(unlock.status).toBe(0);
      expect(locked).toBe(true);
      const r = agor(['secret', 'set', 'GITHUB_TOKEN'], k.env, VALUE);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the keyring is locked');
      expect(JSON.parse(agor(['secret', 'check', '--json'], k.env).stdout).keyring.kind).toBe('locked');
      expectNothingWritten();
    } finally {
      if (pid) process.kill(pid, 'SIGTERM');
    }
  });
});
