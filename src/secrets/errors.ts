import { execFileSync } from 'node:child_process';
import { Exit, UserError } from '../core/errors.js';

export type KeyringErrorKind = 'no-bus' | 'no-service' | 'locked' | 'other';

/** The headless recipe, in one hint: what a server with no desktop session runs. */
export const HEADLESS_RECIPE =
  'without a desktop session: apt-get install gnome-keyring dbus, then run agor under dbus-run-session after `gnome-keyring-daemon --unlock --components=secrets` reads the password on stdin (man agor, SECRETS)';

const MESSAGES: Record<KeyringErrorKind, string> = {
  'no-bus': 'no D-Bus session bus',
  'no-service': 'no Secret Service on the D-Bus session bus (no keyring daemon answers org.freedesktop.secrets)',
  locked: 'the keyring is locked',
  other: 'the keyring failed',
};

const HINTS: Record<KeyringErrorKind, string> = {
  'no-bus': `DBUS_SESSION_BUS_ADDRESS must name a running session bus; ${HEADLESS_RECIPE}`,
  'no-service': `start gnome-keyring on this bus: gnome-keyring-daemon --unlock --components=secrets (password on stdin); ${HEADLESS_RECIPE}`,
  locked:
    'unlock it: gnome-keyring-daemon --replace --unlock --components=secrets with the right password on stdin (a wrong one still exits 0; `agor secret check` says whether it worked)',
  other: `check the keyring with: agor secret check; ${HEADLESS_RECIPE}`,
};

/**
 * The OS keyring cannot be used, and why: no session bus, no Secret Service on it, or a
 * locked collection. Never a reason to fall back to anything else.
 */
export class KeyringError extends UserError {
  constructor(
    readonly kind: KeyringErrorKind,
    detail?: string,
  ) {
    super(`keyring unavailable: ${MESSAGES[kind]}${detail ? ` (${detail})` : ''}`, HINTS[kind], Exit.FAILURE);
    this.name = 'KeyringError';
  }
}

/** Which kind of failure a D-Bus or keyring library message describes. */
export function classifyKeyringMessage(message: string): KeyringErrorKind {
  const m = message.toLowerCase();
  if (
    /failed to connect|autolaunch|dbus_session_bus_address|address does not contain|unknown address type|connection refused|no such file or directory|could not connect|unable to autolaunch/.test(
      m,
    )
  )
    return 'no-bus';
  if (/serviceunknown|not provided by any \.service|namehasnoowner|was not provided/.test(m)) return 'no-service';
  if (/locked|unlock prompt|prompt was dismissed|object does not exist at path|unknownobject|no such object/.test(m)) return 'locked';
  return 'other';
}

const SECRETS_DEST = 'org.freedesktop.secrets';
const DEFAULT_COLLECTION = '/org/freedesktop/secrets/aliases/default';

/**
 * Throws a KeyringError unless this process reaches a Secret Service whose default
 * collection is unlocked. Reads the collection's D-Bus `Locked` property, because
 * `gnome-keyring-daemon --unlock` exits 0 even when the password was wrong.
 */
export function probeKeyring(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.DBUS_SESSION_BUS_ADDRESS) throw new KeyringError('no-bus', 'DBUS_SESSION_BUS_ADDRESS is not set');
  let out: string;
  try {
    out = execFileSync(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--reply-timeout=5000',
        `--dest=${SECRETS_DEST}`,
        DEFAULT_COLLECTION,
        'org.freedesktop.DBus.Properties.Get',
        'string:org.freedesktop.Secret.Collection',
        'string:Locked',
      ],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 },
    );
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new KeyringError('other', 'dbus-send is not installed (Debian package dbus-bin)');
    const text = (err.stderr ?? err.message).trim().split('\n')[0] ?? '';
    const kind = classifyKeyringMessage(text);
    throw new KeyringError(kind, kind === 'locked' ? 'no unlocked default collection' : text);
  }
  if (/boolean true/.test(out)) throw new KeyringError('locked', 'the default collection reports Locked=true');
  if (!/boolean false/.test(out)) throw new KeyringError('other', `unexpected answer to Locked: ${out.trim().slice(0, 200)}`);
}
