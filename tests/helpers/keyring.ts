import { afterAll, beforeAll } from 'vitest';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

/** A private session bus and gnome-keyring, so that no test touches the real user's keyring. */
export interface TestKeyring {
  /** What a process needs to reach this keyring: the bus, and a HOME of its own. */
  env: Record<string, string>;
  dir: string;
  busPid: number;
  daemonPid: number | null;
  /** Locks the default collection through the Secret Service's Lock call. */
  lock(): void;
  /** The default collection's D-Bus Locked property (null: no answer). */
  locked(): boolean | null;
  /** The pid of whatever owns org.freedesktop.secrets on this bus (null: nothing does). */
  servicePid(): number | null;
  /** Stops the keyring daemon (the bus stays): the bus then has no Secret Service. */
  stopDaemon(): void;
  /** Starts the daemon again with this password on stdin, as the headless recipe does. */
  startDaemon(password: string): Promise<void>;
  /** Stops, by pid, everything this helper started, and removes its directory. */
  stop(): void;
}

// No <servicedir>: a bus that activated gnome-keyring by itself would start a daemon
// this helper does not know the pid of.
export const busConfig = (socket: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

const DEFAULT = '/org/freedesktop/secrets/aliases/default';

function dbusSend(env: Record<string, string>, args: string[]): { code: number; out: string } {
  const r = spawnSync('dbus-send', ['--session', '--print-reply', '--reply-timeout=5000', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/**
 * Starts a bus (dbus-daemon with a config of its own) and, unless `password` is null,
 * `gnome-keyring-daemon --unlock --components=secrets` on it with the password on stdin.
 */
export async function startKeyring({ password = 'test-password' }: { password?: string | null } = {}): Promise<TestKeyring> {
  const dir = mkdtempSync(join(tmpdir(), 'agor-keyring-'));
  const home = join(dir, 'home');
  const run = join(dir, 'run');
  mkdirSync(join(home, '.local', 'share'), { recursive: true });
  mkdirSync(run, { mode: 0o700 });
  writeFileSync(join(dir, 'bus.conf'), busConfig(join(dir, 'bus')));
  const r = spawnSync('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dbus-daemon failed: ${r.stderr}`);
  const [address, pid] = r.stdout.trim().split('\n');
  const env = { DBUS_SESSION_BUS_ADDRESS: address!, HOME: home, XDG_DATA_HOME: join(home, '.local', 'share'), XDG_RUNTIME_DIR: run };
  let daemon: ChildProcess | null = null;

  const k: TestKeyring = {
    env,
    dir,
    busPid: Number(pid),
    get daemonPid() {
      return daemon?.pid ?? null;
    },
    lock() {
      const res = dbusSend(env, ['--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', `array:objpath:${DEFAULT}`]);
      if (res.code !== 0) throw new Error(`Lock failed: ${res.out}`);
    },
    locked() {
      const res = dbusSend(env, [
        '--dest=org.freedesktop.secrets',
        DEFAULT,
        'org.freedesktop.DBus.Properties.Get',
        'string:org.freedesktop.Secret.Collection',
        'string:Locked',
      ]);
      return res.code !== 0 ? null : /boolean true/.test(res.out);
    },
    servicePid() {
      const res = dbusSend(env, [
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.GetConnectionUnixProcessID',
        'string:org.freedesktop.secrets',
      ]);
      const m = /uint32 (\d+)/.exec(res.out);
      return res.code === 0 && m ? Number(m[1]) : null;
    },
    stopDaemon() {
      if (daemon?.pid && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGTERM');
      daemon = null;
    },
    async startDaemon(pw: string) {
      k.stopDaemon();
      const child = spawn('gnome-keyring-daemon', ['--foreground', '--replace', '--unlock', '--components=secrets'], {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      daemon = child;
      // The recipe's way: the password on stdin, no trailing newline.
      child.stdin!.end(pw);
      await waitFor(
        'the keyring daemon to answer on the bus',
        () => k.locked(),
        (v) => v !== null,
      );
    },
    stop() {
      k.stopDaemon();
      try {
        process.kill(k.busPid, 'SIGTERM');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (password !== null) {
    try {
      await k.startDaemon(password);
    } catch (e) {
      k.stop();
      throw e;
    }
  }
  return k;
}

/**
 * A keyring for the code under test that runs in this very process (SecretStore, a relay
 * started with startRelay): started before the file's tests, its bus and keyring variables
 * put in process.env, then the environment restored and the keyring stopped after them.
 */
export function keyringInThisProcess(): () => TestKeyring {
  let k: TestKeyring | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    k = await startKeyring();
    // The code under test reads the test keyring, never the user's.
    for (const [name, v] of Object.entries(k.env)) ((saved[name] = process.env[name]), (process.env[name] = v));
  });
  afterAll(() => {
    for (const [name, v] of Object.entries(saved))
      if (v === undefined) delete process.env[name];
      else process.env[name] = v;
    k?.stop();
  });
  return () => k!;
}
