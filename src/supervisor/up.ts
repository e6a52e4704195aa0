import { createHash } from 'node:crypto';
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { openDb } from '../db/open.js';
import { resolveDbPath } from '../db/path.js';
import { getSupervisor } from '../db/runs.js';
import { liveSupervisor } from './client.js';
import { clockFromEnv } from './clock.js';
import { heldError } from './lock.js';
import { loadConfig } from './config.js';
import { Supervisor } from './daemon.js';
import { otlpSettings, startTracing, stopTracing } from './tracing.js';
import { readTail, rotateIfLarge } from './logs.js';
import type { Event } from './protocol.js';

/**
 * Where the control socket goes: beside the database, else (Unix socket paths are
 * limited to 107 bytes) in $XDG_RUNTIME_DIR, else in a directory of our own under the
 * temporary directory, /tmp/agor-UID, which prepareSocketDir checks: a name right in
 * /tmp could be taken first by another user.
 */
function socketPathFor(dbPath: string, env = process.env, uid = process.getuid?.() ?? 0): string {
  const beside = `${dbPath}.sock`;
  if (Buffer.byteLength(beside) <= 100) return beside;
  const hash = createHash('sha256').update(dbPath).digest('hex').slice(0, 16);
  if (env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/')) return join(env.XDG_RUNTIME_DIR, `agor-${hash}.sock`);
  return join(tmpdir(), `agor-${uid}`, `${hash}.sock`);
}

/**
 * Makes the private directory of socketPathFor (0700), or checks the one there: it must
 * be a real directory of ours, else someone else could swap the socket or read from it.
 */
function prepareSocketDir(socketPath: string, uid = process.getuid?.() ?? 0): void {
  const dir = dirname(socketPath);
  if (basename(dir) !== `agor-${uid}`) return;
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`cannot create ${dir} for the control socket: ${(e as Error).message}`);
  }
  const st = lstatSync(dir);
  const hint = 'remove it, or set XDG_RUNTIME_DIR, or give a shorter --db path (the socket then sits beside the database)';
  if (!st.isDirectory())
    throw new UserError(`${dir} is not a directory (${st.isSymbolicLink() ? 'a symbolic link' : 'a file'}): refusing to put the control socket there`, hint);
  if (st.uid !== uid) throw new UserError(`${dir} belongs to uid ${st.uid}, not to you (uid ${uid}): refusing to put the control socket there`, hint);
  // Ours, but opened up: close it before the socket goes in.
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * V8 flags for a detached supervisor, measured with 100 idle agents: lite mode (no
 * optimizing compilers: the supervisor is idle nearly always, and its CPU did not move)
 * saves ~9 MB of RSS, a 1 MiB young generation ~2 MB more (it allocates little and lives
 * long). Together they take it from above pm2's memory to well below.
 */
export const SUPERVISOR_FLAGS = ['--lite-mode', '--max-semi-space-size=1'];

/** The supervisor's own log when detached: beside the database. */
export const supervisorLogPath = (dbPath: string): string => join(dirname(dbPath), `${basename(dbPath)}.supervisor.log`);

export interface UpOptions {
  file?: string;
  db?: string;
  /** Where openDb's warning about a database other users can read goes. */
  warn?: (message: string) => void;
}

/** Where a supervisor running in this process reports what it does. */
export interface SupervisorOutput {
  /** One line per event (for --headless and the supervisor's own log). */
  log: (line: string) => void;
  /** Every event as it happens (`agor up --json`). */
  events?: (ev: Event) => void;
  /** An error in the supervisor's own bookkeeping that it carries on after, with its stack. */
  survived: (line: string) => void;
}

/** Runs the supervisor in this process until `agor down`, SIGTERM or SIGINT; SIGHUP reloads agor.yaml. */
export async function startSupervisor(o: UpOptions, out: SupervisorOutput): Promise<void> {
  const config = loadConfig(o.file);
  const dbPath = resolve(resolveDbPath(o.db).path);
  const db = openDb({ path: dbPath, warn: o.warn });
  const socketPath = socketPathFor(dbPath);
  try {
    prepareSocketDir(socketPath);
  } catch (e) {
    db.close();
    throw e;
  }
  await startTracing(config, out.log);
  const sup = new Supervisor({
    db,
    dbPath,
    dataDir: dirname(dbPath),
    socketPath,
    logPath: process.env.AGOR_SUPERVISOR_LOG ?? null,
    config,
    clock: clockFromEnv(),
    log: out.log,
    events: out.events,
  });
  // Before start(): a signal sent the moment it says it is ready must stop it cleanly,
  // not kill it with its agents orphaned.
  let started = false;
  let pending: string | null = null;
  const stop = (sig: string) => {
    if (started) void sup.shutdown(sig);
    else pending ??= sig;
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // As nginx and systemd's ExecReload expect: SIGHUP re-reads agor.yaml; a bad file is logged and changes nothing.
  process.on('SIGHUP', () => {
    // A refusal is logged and broadcast as a reload event by the supervisor itself.
    if (started) sup.reload('SIGHUP').catch(() => undefined);
    else out.log('SIGHUP during start-up: agor.yaml was just read, nothing to reload');
  });
  await sup.start();
  started = true;
  // Once running, a bug in one agent's bookkeeping must not leave every agent unsupervised.
  const survive = (what: string) => (err: unknown) => out.survived(`${what} (the supervisor carries on): ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', survive('uncaught exception'));
  process.on('unhandledRejection', survive('unhandled rejection'));
  if (pending) void sup.shutdown(pending);
  await sup.exited;
  await stopTracing();
  db.close();
  // Nothing should keep the process alive now; if something does, it must not outlive the supervisor.
  setTimeout(() => process.exit(0), 2000).unref();
}

export interface Detached {
  pid: number;
  group: string;
  config: string;
  socket: string;
  log: string;
}

/** Starts `agor up --headless` in the background and returns once it is ready. */
export async function detachSupervisor(o: UpOptions): Promise<Detached> {
  const config = loadConfig(o.file);
  // A bad AGOR_OTLP_ENDPOINT is refused here, not in the detached child's log.
  otlpSettings(config);
  const dbPath = resolve(resolveDbPath(o.db).path);
  const db = openDb({ path: dbPath, warn: o.warn });
  try {
    const held = liveSupervisor(db);
    if (held) throw heldError(dbPath, held);
    // Here too, so a refusal reads as itself rather than as a start-up failure.
    prepareSocketDir(socketPathFor(dbPath));
    const log = supervisorLogPath(dbPath);
    mkdirSync(dirname(log), { recursive: true });
    rotateIfLarge(log);
    const fd = openSync(log, 'a', 0o600);
    const script = process.argv[1]!;
    const flags = SUPERVISOR_FLAGS.filter((f) => !process.execArgv.some((a) => a.split('=')[0] === f.split('=')[0]));
    const child = spawn(process.execPath, [...flags, ...process.execArgv, script, 'up', '--headless', '-f', config.file, '--db', dbPath], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, AGOR_SUPERVISOR_LOG: log },
    });
    closeSync(fd);
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    child.unref();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const row = getSupervisor(db);
      if (row && row.pid === child.pid && row.ready === 1) return { pid: row.pid, group: config.group, config: config.file, socket: row.socket, log };
      if (exited !== undefined) {
        const winner = liveSupervisor(db);
        if (winner && winner.pid !== child.pid) throw heldError(dbPath, winner);
        const tail = readTail(log, 4096).trim().split('\n').slice(-5).join('\n');
        throw new UserError(`the supervisor exited during start-up (exit ${exited})${tail ? `:\n${tail}` : ''}`, `see ${log}`);
      }
    }
    throw new UserError(`the supervisor did not become ready within 30 s`, `see ${log}`);
  } finally {
    db.close();
  }
}
