import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, type RunResult } from './cli.js';

export const IS_ROOT = process.getuid?.() === 0;
export const NOBODY = 65534;

export interface Unprivileged {
  /** Runs dist/<bin>.cjs as a user file permissions apply to (nobody when we are root). */
  run(bin: 'btmsg' | 'bttask', args: string[], env: Record<string, string>): RunResult;
  /** Why it cannot run here (the tests that need it skip, saying so), or null. */
  skip: string | null;
  cleanup(): void;
}

function asNobody(argv: string[], env: NodeJS.ProcessEnv): RunResult {
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { code: -1, stdout: '', stderr: String(r.error) };
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function baseEnv(): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.AGOR_DB;
  delete base.BTMSG_AGENT_ID;
  delete base.AGOR_AGENT;
  return base;
}

/**
 * As root, nobody must reach the binaries, and a clone may sit in a directory nobody
 * cannot traverse (/root, a `mktemp -d`). So the built binaries and the native SQLite
 * addon they load are copied to a fresh directory under the temp dir, opened to others.
 * As anyone else, the binaries run in place.
 */
export function unprivileged(): Unprivileged {
  if (!IS_ROOT) {
    return {
      run: (bin, args, env) => {
        const r = spawnSync(process.execPath, [join(ROOT, 'dist', `${bin}.cjs`), ...args], { env: { ...baseEnv(), ...env }, encoding: 'utf8', timeout: 60_000 });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
      },
      skip: null,
      cleanup: () => {},
    };
  }
  const home = mkdtempSync(join(tmpdir(), 'agor-unprivileged-'));
  const cleanup = () => rmSync(home, { recursive: true, force: true });
  let skip: string | null = null;
  try {
    for (const bin of ['btmsg', 'bttask']) {
      for (const f of [`${bin}.cjs`, `${bin}.bundle.cjs`, `${bin}.v8cache`]) cpSync(join(ROOT, 'dist', f), join(home, 'dist', f));
    }
    // better-sqlite3 loads its addon through `bindings`, which needs file-uri-to-path.
    const req = createRequire(join(ROOT, 'package.json'));
    const sqliteDir = dirname(req.resolve('better-sqlite3/package.json'));
    const modules = join(home, 'node_modules');
    cpSync(join(sqliteDir, 'package.json'), join(modules, 'better-sqlite3', 'package.json'));
    cpSync(join(sqliteDir, 'lib'), join(modules, 'better-sqlite3', 'lib'), { recursive: true });
    mkdirSync(join(modules, 'better-sqlite3', 'build', 'Release'), { recursive: true });
    copyFileSync(join(sqliteDir, 'build', 'Release', 'better_sqlite3.node'), join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
    const sqliteReq = createRequire(join(sqliteDir, 'package.json'));
    for (const dep of ['bindings', 'file-uri-to-path']) {
      const from = dirname((dep === 'bindings' ? sqliteReq : createRequire(sqliteReq.resolve('bindings'))).resolve(`${dep}/package.json`));
      cpSync(from, join(modules, dep), { recursive: true });
    }
    spawnSync('chmod', ['-R', 'a+rX', home]);
    chmodSync(home, 0o755);
    const probe = asNobody([process.execPath, join(home, 'dist', 'btmsg.cjs'), '--version'], baseEnv());
    if (probe.code !== 0) {
      skip = `nobody (uid ${NOBODY}) cannot run ${process.execPath} on a copy of btmsg in ${home}: ${probe.stderr.trim().split('\n')[0] ?? `exit ${probe.code}`}`;
    }
  } catch (e) {
    skip = `cannot prepare a copy of btmsg for nobody under ${tmpdir()}: ${(e as Error).message}`;
  }
  return {
    run: (bin, args, env) => asNobody([process.execPath, join(home, 'dist', `${bin}.cjs`), ...args], { ...baseEnv(), ...env }),
    skip,
    cleanup,
  };
}
