/**
 * Desktop notifications through the freedesktop notification service on the session bus:
 * `notify-send` (libnotify-bin) when installed, else a direct Notify call with `gdbus`
 * (libglib2.0-bin), which most desktops carry even without libnotify's tools. Whether a
 * service answers is asked with GetServerInformation (dbus-send, else gdbus). Always argv,
 * never a shell; every call bounded by a timeout.
 */
import { execFile, spawnSync } from 'node:child_process';
import { findExecutable } from '../sandbox/exec.js';
import type { Urgency } from './notify-rules.js';

/** Whether desktop notifications can be shown, how, and if not, why. */
export interface DesktopStatus {
  on: boolean;
  via: 'notify-send' | 'gdbus' | null;
  /** The notification server's name (dunst, xfce4-notifyd, gnome-shell…); null when unknown. */
  server: string | null;
  why: string | null;
}

const DEST = 'org.freedesktop.Notifications';
const PATH = '/org/freedesktop/Notifications';
export const PROBE_TIMEOUT_MS = 3000;
export const SEND_TIMEOUT_MS = 5000;
const URGENCY_BYTE: Record<Urgency, number> = { low: 0, normal: 1, critical: 2 };

interface Tools {
  notifySend?: string;
  gdbus?: string;
  dbusSend?: string;
}

function tools(env: NodeJS.ProcessEnv): Tools {
  const find = (name: string) => findExecutable(name, '/', env.PATH ?? '');
  return { notifySend: find('notify-send'), gdbus: find('gdbus'), dbusSend: find('dbus-send') };
}

/** A string as GVariant text ('…' with \ and ' escaped), so gdbus takes it as it is. */
export const gvariantString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The argv that shows one notification (null: no tool to do it with). */
export function sendArgv(t: Tools, title: string, body: string, urgency: Urgency): { file: string; args: string[]; via: DesktopStatus['via'] } | null {
  if (t.notifySend) return { file: t.notifySend, args: ['--app-name=agor', `--urgency=${urgency}`, '--', title, body], via: 'notify-send' };
  if (t.gdbus)
    return {
      file: t.gdbus,
      // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)
      args: [
        'call',
        '--session',
        '--dest',
        DEST,
        '--object-path',
        PATH,
        '--method',
        `${DEST}.Notify`,
        '--',
        "'agor'",
        '0',
        "''",
        gvariantString(title),
        gvariantString(body),
        '[]',
        `{'urgency': <byte ${URGENCY_BYTE[urgency]}>}`,
        '-1',
      ],
      via: 'gdbus',
    };
  return null;
}

function probeArgv(t: Tools): { file: string; args: string[] } | null {
  if (t.dbusSend)
    return { file: t.dbusSend, args: ['--session', '--print-reply', `--reply-timeout=${PROBE_TIMEOUT_MS}`, `--dest=${DEST}`, PATH, `${DEST}.GetServerInformation`] };
  if (t.gdbus) return { file: t.gdbus, args: ['call', '--session', '--dest', DEST, '--object-path', PATH, '--method', `${DEST}.GetServerInformation`] };
  return null;
}

/** The server's name from GetServerInformation's reply (dbus-send's `string "dunst"` lines, or gdbus's `('dunst', …)`). */
export function serverName(out: string): string | null {
  const m = /string "([^"]*)"/.exec(out) ?? /^\('((?:[^'\\]|\\.)*)'/.exec(out.trim());
  return m ? m[1]! : null;
}

const firstLine = (s: string) => (s.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 200);

/** Reads the probe's outcome: the status, from the exit, output and error of the probe command. */
function judge(t: Tools, failed: boolean, stdout: string, stderr: string): DesktopStatus {
  const via = t.notifySend ? 'notify-send' : 'gdbus';
  if (!failed) return { on: true, via, server: serverName(stdout), why: null };
  const said = firstLine(stderr);
  const why = /ServiceUnknown|not provided by any \.service|was not provided|NameHasNoOwner/i.test(said)
    ? 'no notification service on the session bus'
    : `no answer from the notification service${said ? ` (${said})` : ''}`;
  return { on: false, via: null, server: null, why };
}

/** What stops desktop notifications before anything is asked (null: worth probing). */
function before(env: NodeJS.ProcessEnv, t: Tools): DesktopStatus | null {
  if (!env.DBUS_SESSION_BUS_ADDRESS) return { on: false, via: null, server: null, why: 'no session bus' };
  if (!t.notifySend && !t.gdbus) return { on: false, via: null, server: null, why: 'neither notify-send (libnotify-bin) nor gdbus is installed' };
  // notify-send alone cannot ask without showing something: take it on trust.
  if (!probeArgv(t)) return { on: true, via: 'notify-send', server: null, why: null };
  return null;
}

/** Asks the session bus whether a notification service answers (for `agor doctor`; blocks up to a few seconds). */
export function probeDesktopSync(env: NodeJS.ProcessEnv = process.env): DesktopStatus {
  const t = tools(env);
  const early = before(env, t);
  if (early) return early;
  const p = probeArgv(t)!;
  const r = spawnSync(p.file, p.args, { env, encoding: 'utf8', timeout: PROBE_TIMEOUT_MS + 1000, killSignal: 'SIGKILL' });
  return judge(t, r.status !== 0 || r.error !== undefined, r.stdout ?? '', r.stderr || r.error?.message || '');
}

/** The same question without blocking (the supervisor's). */
export function probeDesktop(env: NodeJS.ProcessEnv = process.env): Promise<DesktopStatus> {
  const t = tools(env);
  const early = before(env, t);
  if (early) return Promise.resolve(early);
  const p = probeArgv(t)!;
  return new Promise((resolve) => {
    execFile(p.file, p.args, { env, timeout: PROBE_TIMEOUT_MS + 1000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 }, (err, stdout, stderr) =>
      resolve(judge(t, err !== null, String(stdout), String(stderr) || (err?.message ?? ''))),
    );
  });
}

/** Shows one notification; resolves to null when shown, else to why not. Never rejects. */
export function sendDesktop(title: string, body: string, urgency: Urgency, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const a = sendArgv(tools(env), title, body, urgency);
  if (!a) return Promise.resolve('neither notify-send nor gdbus is installed');
  return new Promise((resolve) => {
    execFile(a.file, a.args, { env, timeout: SEND_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 }, (err, _out, stderr) => {
      if (!err) return resolve(null);
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      resolve(e.killed ? `${a.via} took longer than ${SEND_TIMEOUT_MS / 1000} s` : `${a.via} failed: ${firstLine(String(stderr)) || e.message}`);
    });
  });
}
