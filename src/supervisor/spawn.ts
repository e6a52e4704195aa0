import { closeSync } from 'node:fs';
import { type Options, execa } from 'execa';

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
}

export interface Spawned {
  pid: number | null;
  exited: Promise<ExitStatus>;
}

/**
 * Starts an agent's process: in a session and process group of its own (so stopping it
 * reaches its children too), writing straight into its log file rather than through a
 * pipe to the supervisor (so it outlives a supervisor crash), and never killed by
 * execa itself: the supervisor alone decides when a run ends.
 */
export function spawnAgent(spec: SpawnSpec): Spawned {
  let child;
  try {
    // A descriptor number goes to the child as is (no pipe through us); execa's types
    // only list 1 and 2, its runtime takes any.
    const log = spec.logFd as unknown as 1;
    const options: Options = {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: false,
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      stripFinalNewline: false,
      stdout: log,
      stderr: log,
      ...(spec.stdin === null ? { stdin: 'ignore' as const } : { input: spec.stdin }),
    };
    child = execa(spec.file, spec.args, options);
  } catch (err) {
    closeSync(spec.logFd);
    return { pid: null, exited: Promise.resolve({ code: null, signal: null, spawnError: (err as Error).message }) };
  }
  const pid = child.pid ?? null;
  const exited = child.then(
    (r) => {
      // execa reports a failure to start (ENOENT, EACCES) as a failed result with no exit code.
      const startFailed = r.failed && r.exitCode === undefined && r.signal === undefined;
      return {
        code: r.exitCode ?? null,
        signal: (r.signal as NodeJS.Signals | undefined) ?? null,
        spawnError: startFailed ? (r.originalMessage || r.shortMessage || 'could not start') : null,
      };
    },
    (err: Error) => ({ code: null, signal: null, spawnError: err.message }),
  );
  closeAfterSpawn(child, spec.logFd);
  return { pid, exited };
}

function closeAfterSpawn(child: { once(e: string, f: () => void): unknown }, fd: number): void {
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  };
  child.once('spawn', close);
  child.once('error', close);
}
