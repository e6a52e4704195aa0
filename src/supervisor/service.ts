import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where a unit goes: the invoking user's systemd instance, or the system's. */
export type ServiceScope = 'user' | 'system';

export interface UnitOptions {
  group: string;
  /** Absolute paths: agor.yaml, the database, node, and agor's script (the bundle agor runs from). */
  configFile: string;
  dbPath: string;
  node: string;
  script: string;
  /** Node flags the supervisor runs with (the ones `agor up -d` uses). */
  nodeFlags: string[];
  /** The directory that holds agor.yaml, where the supervisor runs. */
  workdir: string;
  /** $PATH for the supervisor, which its agents inherit (systemd's own is minimal). */
  path: string;
  scope: ServiceScope;
  /** User= of a system unit. */
  user?: string;
}

/** The unit of a group's supervisor: agor-GROUP.service. */
export const unitName = (group: string): string => `agor-${group}.service`;

/** The directory systemd reads units of `scope` from: ~/.config/systemd/user (XDG_CONFIG_HOME) or /etc/systemd/system. */
export function unitDir(scope: ServiceScope, env: NodeJS.ProcessEnv = process.env): string {
  if (scope === 'system') return '/etc/systemd/system';
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.config'), 'systemd', 'user');
}

// systemd expands %-specifiers everywhere and $VARIABLES in Exec lines: both are doubled.
const specifiers = (s: string) => s.replace(/%/g, '%%');

/** One argument of an Exec line, quoted when it needs to be (systemd.service(5), "Command lines"). */
export function execWord(arg: string): string {
  const s = specifiers(arg).replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An Environment= assignment, quoted (systemd.exec(5)). */
const envLine = (name: string, value: string) => `Environment="${specifiers(`${name}=${value}`).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * The systemd unit that runs a group's supervisor in the foreground (`agor up --headless`;
 * its event log goes to the journal). KillMode=process: a restart of the supervisor leaves
 * the agents running, and the new supervisor re-adopts them; `systemctl stop` still stops
 * them, because the supervisor stops its agents when it gets SIGTERM.
 */
export function unitText(o: UnitOptions): string {
  const exec = [o.node, ...o.nodeFlags, o.script, 'up', '--headless', '-f', o.configFile, '--db', o.dbPath].map(execWord).join(' ');
  return [
    '# Written by agor service install; agor service uninstall removes it.',
    '[Unit]',
    `Description=agor supervisor of group ${o.group} (${specifiers(o.configFile)})`,
    'Documentation=man:agor(1)',
    ...(o.scope === 'system' ? ['After=network-online.target', 'Wants=network-online.target'] : []),
    '',
    '[Service]',
    'Type=simple',
    ...(o.user ? [`User=${o.user}`] : []),
    `WorkingDirectory=${specifiers(o.workdir)}`,
    envLine('AGOR_DB', o.dbPath),
    // The agents inherit this PATH: the tools they run must be on it.
    envLine('PATH', o.path),
    `ExecStart=${exec}`,
    // systemctl reload: SIGHUP makes the supervisor re-read agor.yaml; the agents keep running.
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=5',
    // Agents outlive a supervisor restart and are re-adopted; on stop the supervisor stops them.
    'KillMode=process',
    'TimeoutStopSec=60',
    '',
    '[Install]',
    `WantedBy=${o.scope === 'system' ? 'multi-user.target' : 'default.target'}`,
    '',
  ].join('\n');
}

/** The systemctl lines that load and start a unit just written. */
export function enableLines(scope: ServiceScope, name: string): string[] {
  const sc = scope === 'user' ? 'systemctl --user' : 'systemctl';
  return [
    `${sc} daemon-reload && ${sc} enable --now ${name}`,
    ...(scope === 'user' ? ['loginctl enable-linger "$USER"   # keeps it running while you are logged out'] : []),
  ];
}
