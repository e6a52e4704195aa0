import Database from 'better-sqlite3';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** BTMSG_AGENT_ID for the call; null leaves it unset. */
  as?: string | null;
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  db?: string;
  /** Working directory of the call (default: the test's). */
  cwd?: string;
  /** Milliseconds before the call is killed with SIGKILL (default 60 s). */
  timeout?: number;
}

/** A fresh directory and database path for one test; `cleanup` removes both. */
export function tempDb(): { dir: string; db: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'agor-test-'));
  return { dir, db: join(dir, 'agor.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function envFor(o: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.BTMSG_AGENT_ID;
  delete env.AGOR_AGENT;
  delete env.AGOR_DB;
  delete env.FORCE_COLOR;
  if (o.as) env.BTMSG_AGENT_ID = o.as;
  if (o.db) env.AGOR_DB = o.db;
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs a built binary (dist/<bin>.cjs) as a user would, synchronously. */
export function run(bin: string, args: string[], o: RunOptions = {}): RunResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', `${bin}.cjs`), ...args], {
    env: envFor(o),
    cwd: o.cwd,
    input: o.input,
    encoding: 'utf8',
    timeout: o.timeout ?? 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * What a started process prints and how it ends: its stdin gets `input` (or is closed),
 * and it is killed after `timeout` ms.
 */
export function settle(child: ChildProcessWithoutNullStreams, o: { input?: string | Buffer; timeout?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeout ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(o.input);
  });
}

/** The same, without blocking the test: for concurrency tests and `wait`. */
export function runAsync(bin: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  return settle(spawn(process.execPath, [join(ROOT, 'dist', `${bin}.cjs`), ...args], { env: envFor(o), cwd: o.cwd }), o);
}

export const btmsg = (args: string[], o: RunOptions = {}) => run('btmsg', args, o);
export const btmsgAsync = (args: string[], o: RunOptions = {}) => runAsync('btmsg', args, o);

/** Parses stdout as JSON, with the whole result in the error when it is not. */
export function json<T = unknown>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/**
 * Registers agents (as the operator) and contacts for a test team:
 * manager "boss", project agents "alice" and "bob"; boss<->alice, boss<->bob, alice<->bob.
 */
export function seedTeam(db: string): void {
  for (const [id, role] of [
    ['boss', 'manager'],
    ['alice', 'project'],
    ['bob', 'project'],
  ] as const) {
    const r = btmsg(['register', id, id[0]!.toUpperCase() + id.slice(1), role, 'demo'], { db });
    if (r.code !== 0) throw new Error(`seed register ${id} failed: ${r.stderr}`);
  }
  for (const [a, b] of [
    ['boss', 'alice'],
    ['boss', 'bob'],
    ['alice', 'bob'],
  ] as const) {
    const r = btmsg(['allow', a, b, '-b'], { db });
    if (r.code !== 0) throw new Error(`seed allow ${a} ${b} failed: ${r.stderr}`);
  }
}

/** Runs `fn` on a direct better-sqlite3 connection, as the earlier Python tool would write. */
export function sql<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}

/** Expects a successful call and returns its stdout as JSON. */
export function ok<T>(r: RunResult): T {
  expect(r.code, `exit ${r.code}; stderr: ${r.stderr}`).toBe(0);
  return json<T>(r);
}
