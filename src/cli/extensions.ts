import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { showControls } from '../core/text.js';

/** An executable `NAME-VERB` on the PATH, run as `NAME VERB` (the way git and gh find theirs). */
export interface Extension {
  verb: string;
  path: string;
}

const isExecutableFile = (p: string): boolean => {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const osSignals = osConstants.signals as Record<string, number>;

const pathDirs = (env: NodeJS.ProcessEnv): string[] => (env.PATH ?? '').split(delimiter).filter((d) => d !== '' && isAbsolute(d));

/** The extension for `verb` of binary `name`: the first `name-verb` executable on PATH. */
export function findExtension(name: string, verb: string, env: NodeJS.ProcessEnv = process.env): Extension | undefined {
  // A verb with a slash or a leading dot would name a file outside the PATH directories.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(verb)) return undefined;
  for (const dir of pathDirs(env)) {
    const p = join(dir, `${name}-${verb}`);
    if (isExecutableFile(p)) return { verb, path: p };
  }
  return undefined;
}

/**
 * Every extension of binary `name` on PATH, the first of each verb winning, minus the
 * built-in verbs (which always win) and `skip` (programs of agor itself, such as agor-relay).
 */
export function listExtensions(name: string, builtIn: string[], skip: string[] = [], env: NodeJS.ProcessEnv = process.env): Extension[] {
  const found = new Map<string, Extension>();
  for (const dir of pathDirs(env)) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const e of entries.sort()) {
      if (!e.startsWith(`${name}-`) || skip.includes(e)) continue;
      const verb = e.slice(name.length + 1);
      if (!verb || builtIn.includes(verb) || found.has(verb) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(verb)) continue;
      if (isExecutableFile(join(dir, e))) found.set(verb, { verb, path: join(dir, e) });
    }
  }
  return [...found.values()].sort((a, b) => a.verb.localeCompare(b.verb));
}

/** The "Extensions:" section of --help, or '' when there are none. */
export function extensionsHelp(name: string, exts: Extension[]): string {
  if (!exts.length) return '';
  const w = Math.max(...exts.map((e) => e.verb.length));
  return `Extensions (${name}-NAME programs on PATH):\n${exts.map((e) => `  ${name} ${showControls(e.verb).padEnd(w)}  ${showControls(e.path)}`).join('\n')}`;
}

// SIGINT and SIGQUIT from the terminal reach the extension directly (same process group),
// so they are only held off here; the others are sent to this process alone and passed on.
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
const HELD: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

/**
 * Runs an extension with `args` and `env`, its standard streams this process's, and
 * resolves with its exit code; when a signal ended it, this process ends with the same
 * signal, so a caller sees what it would have seen running the program itself.
 */
export function runExtension(ext: Extension, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(ext.path, args, { stdio: 'inherit', env });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    const hold = () => {};
    for (const s of FORWARDED) process.on(s, forward);
    for (const s of HELD) process.on(s, hold);
    const cleanup = () => {
      for (const s of FORWARDED) process.off(s, forward);
      for (const s of HELD) process.off(s, hold);
    };
    child.on('error', (e) => {
      cleanup();
      // ENOEXEC (no #! line), EACCES on a directory in the way: the user's to fix, not a bug.
      reject(new UserError(`cannot run the extension ${ext.path}: ${e.message}`, 'it must be an executable program or a script with a #! line'));
    });
    child.on('exit', (code, signal) => {
      cleanup();
      if (signal) {
        process.kill(process.pid, signal);
        // Should the signal be ignored here, the shell's convention is the next best thing.
        resolve(128 + (osSignals[signal] ?? 0));
        return;
      }
      resolve(code ?? 1);
    });
  });
}
