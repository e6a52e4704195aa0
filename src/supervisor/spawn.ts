import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { AgentConfig } from './config.js';

/** How to start one run of an agent. */
export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  /** The whole environment of the child (nothing else is inherited). */
  env: Record<string, string>;
  /** Text written to the child's stdin, which is then closed; null: stdin is /dev/null. */
  stdin: string | null;
  /** An open, append-mode descriptor of the run's log; closed here once the child has it. */
  logFd: number;
}

/** How a run's process ended, in the project's own terms. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (not found, not executable, …). */
  spawnError: string | null;
  /** Set when the sandbox could not be set up, so the program never ran. */
  sandboxFailure?: string | null;
  /** Set when the run's secrets could not be read from the keyring, so the program never ran. */
  secretsFailure?: string | null;
  /** Set when the agent's git worktree could not be made, so the program never ran. */
  worktreeFailure?: string | null;
}

export interface Spawned {
  pid: number | null;
  exited: Promise<ExitStatus>;
}

/**
 * Starts an agent's process: in a session and process group of its own (so stopping it
 * reaches its children too), writing straight into its log file rather than through a
 * pipe to the supervisor (so it outlives a supervisor crash). The one place that spawns.
 *
 * node:child_process rather than execa: agents never pipe output to us, which is what
 * execa's stream and promise machinery is for, and it cost ~8 MB at load plus ~77 KB per
 * live child, enough to put a supervisor of 100 agents above pm2's memory.
 */
export function spawnAgent(spec: SpawnSpec): Spawned {
  let child;
  try {
    child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [spec.stdin === null ? 'ignore' : 'pipe', spec.logFd, spec.logFd],
    });
  } catch (err) {
    return { pid: null, exited: Promise.resolve({ code: null, signal: null, spawnError: (err as Error).message }) };
  } finally {
    // spawn() has handed the child its own copy of the descriptor by now.
    closeSync(spec.logFd);
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      // A failure to start (ENOENT, EACCES) comes as 'error' with no pid and no 'exit'.
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: `${spec.file}: ${err.code ?? err.message}` });
    });
    child.once('exit', (code, signal) => resolve({ code, signal, spawnError: null }));
  });
  if (spec.stdin !== null && child.stdin) {
    // An agent that never reads its stdin must not break the supervisor (EPIPE).
    child.stdin.on('error', () => undefined);
    child.stdin.end(spec.stdin);
  }
  return { pid: child.pid ?? null, exited };
}

/**
 * Variables that lead to the D-Bus buses and the keyring, kept from every agent: its
 * secrets are handed to it by name, and the rest of the keyring is none of its business.
 * (Without the variable a D-Bus library may still try $XDG_RUNTIME_DIR/bus: the sandbox's
 * `unix_sockets: deny` is what stops that; this keeps the way from being advertised.)
 */
export const WITHHELD_ENV: readonly string[] = [
  'DBUS_SESSION_BUS_ADDRESS',
  'DBUS_SYSTEM_BUS_ADDRESS',
  'DBUS_STARTER_ADDRESS',
  'DBUS_STARTER_BUS_TYPE',
  'GNOME_KEYRING_CONTROL',
  'GNOME_KEYRING_PID',
];

/**
 * True when the agent may open Unix sockets: then it keeps SSH_AUTH_SOCK (git over ssh
 * through the operator's agent). Under the default `unix_sockets: deny` it could not
 * use it anyway, and gnome-keyring's own ssh agent is one of the keyring's sockets.
 */
const socketsAllowed = (a: AgentConfig): boolean => a.sandbox.mode === 'off' || a.sandbox.unixSockets === 'allow';

/**
 * The argv and whole environment of one run of `a`: the supervisor's environment without
 * its own AGOR_* and BTMSG_AGENT_ID and without WITHHELD_ENV, then the agent's env, then
 * its `secrets` (by the names the run sees), then who the agent is and `run` (the
 * database, group, run id and wake reason). The prompt goes where prompt_via says.
 */
export function agentInvocation(
  a: AgentConfig,
  prompt: string,
  run: Record<string, string>,
  parent: NodeJS.ProcessEnv = process.env,
  secrets: Record<string, string> = {},
): { argv: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const keepSsh = socketsAllowed(a);
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined || k.startsWith('AGOR_') || k === 'BTMSG_AGENT_ID' || WITHHELD_ENV.includes(k) || (k === 'SSH_AUTH_SOCK' && !keepSsh)) continue;
    env[k] = v;
  }
  Object.assign(env, a.env, secrets, run, { BTMSG_AGENT_ID: a.id, AGOR_AGENT: a.id });
  if (a.promptVia === 'env') env.AGOR_PROMPT = prompt;
  const argv = a.command.map((x) => (a.promptVia === 'arg' ? x.split('{prompt}').join(prompt) : x));
  return { argv, env };
}
