import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busConfig } from './keyring.js';
import { waitFor } from './wait.js';

/** A notification as the daemon received it. */
export interface Shown {
  appname: string;
  summary: string;
  body: string;
}

/** A private session bus with a real notification daemon (dunst on an Xvfb display). */
export interface TestNotifyd {
  /** What a process needs to reach this bus. */
  env: Record<string, string>;
  /** Every notification the daemon was given so far, oldest first. */
  shown(): Shown[];
  /** Stops the daemon, the display and the bus, by pid, and removes the directory. */
  stop(): void;
}

/** Whether the programs this helper starts are installed (see .ci/run). */
export const notifydAvailable = (): boolean => ['dbus-daemon', 'Xvfb', 'dunst', 'dunstctl'].every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);

const kill = (c: ChildProcess | null) => {
  if (c?.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
};

/** Starts the bus, Xvfb (which picks a free display itself) and dunst, and waits until dunst answers on the bus. */
export async function startNotifyd(): Promise<TestNotifyd> {
  const dir = mkdtempSync(join(tmpdir(), 'agor-notifyd-'));
  const config = join(dir, 'config');
  mkdirSync(join(config, 'dunst'), { recursive: true });
  // Kept until closed and never dropped from history, so the test sees every one.
  writeFileSync(join(config, 'dunst', 'dunstrc'), '[global]\n    notification_limit = 0\n    history_length = 0\n    timeout = 0\n');
  writeFileSync(join(dir, 'bus.conf'), busConfig(join(dir, 'bus')));
  const r = spawnSync('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dbus-daemon failed: ${r.stderr}`);
  const [address, pid] = r.stdout.trim().split('\n');
  const env = { DBUS_SESSION_BUS_ADDRESS: address! };
  let xvfb: ChildProcess | null = null;
  let dunst: ChildProcess | null = null;
  const stop = () => {
    kill(dunst);
    kill(xvfb);
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const displayFile = join(dir, 'display');
    writeFileSync(displayFile, '');
    const fd = openSync(displayFile, 'w');
    xvfb = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
    closeSync(fd);
    const display = await waitFor(
      'Xvfb to choose a display',
      () => readFileSync(displayFile, 'utf8').trim(),
      (d) => d !== '',
    );
    dunst = spawn('dunst', [], { env: { ...process.env, ...env, DISPLAY: `:${display}`, XDG_CONFIG_HOME: config, HOME: dir }, stdio: 'ignore' });
    await waitFor(
      'dunst to own org.freedesktop.Notifications',
      () => spawnSync('dunstctl', ['is-paused'], { env: { ...process.env, ...env }, encoding: 'utf8' }).status,
      (s) => s === 0,
    );
  } catch (e) {
    stop();
    throw e;
  }
  return {
    env,
    shown() {
      const e = { ...process.env, ...env };
      // History holds the closed ones: close what is on screen, then read it.
      spawnSync('dunstctl', ['close-all'], { env: e });
      const h = spawnSync('dunstctl', ['history'], { env: e, encoding: 'utf8' });
      if (h.status !== 0) throw new Error(`dunstctl history failed: ${h.stderr}`);
      type Field = { data: string | number };
      const items = (JSON.parse(h.stdout) as { data: Record<string, Field>[][] }).data[0] ?? [];
      return items
        .map((i) => ({ id: Number(i.id!.data), appname: String(i.appname!.data), summary: String(i.summary!.data), body: String(i.body!.data) }))
        .sort((a, b) => a.id - b.id)
        .map(({ appname, summary, body }) => ({ appname, summary, body }));
    },
    stop,
  };
}
