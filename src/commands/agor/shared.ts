import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { UserError } from '../../core/errors.js';
import type { GlobalArgs } from '../../cli/run.js';
import { warnOnStderr } from '../../cli/verb.js';
import type { Db } from '../../db/open.js';
import type { ControlClient } from '../../supervisor/client.js';

export type { Verb } from '../../cli/run.js';
export { limitOption, warnOnStderr, withDb } from '../../cli/verb.js';

export interface FileArgs {
  file?: string;
}

/** -f FILE: the agor.yaml to read (default: ./agor.yaml). */
export const fileOption = <T>(y: Argv<T>) =>
  y.option('file', { alias: 'f', type: 'string', requiresArg: true, describe: 'The agor.yaml to use (default: ./agor.yaml)' });

export const agentsPositional = <T>(y: Argv<T>) => y.positional('agents', { type: 'string', array: true, describe: 'Agent ids', demandOption: true });

/** The database's absolute path, from --db, else $AGOR_DB, else the default. */
export async function dbPathOf(argv: GlobalArgs): Promise<string> {
  const { resolveDbPath } = await import('../../db/path.js');
  // Absolute: agents run in other directories and get it as $AGOR_DB.
  return resolve(resolveDbPath(argv.db).path);
}

/** Opens the database, honouring --db and $AGOR_DB. */
export async function openFor(argv: GlobalArgs): Promise<{ db: Db; path: string }> {
  const [{ openDb }, path] = await Promise.all([import('../../db/open.js'), dbPathOf(argv)]);
  return { db: openDb({ path, warn: warnOnStderr }), path };
}

/**
 * Runs `live` against the supervisor's control socket when one holds the database, else
 * `offline` against the database itself (undefined: the verb needs a supervisor).
 */
export async function viaSupervisor<T>(
  argv: GlobalArgs,
  live: (c: ControlClient, db: Db) => Promise<T>,
  offline?: (db: Db, path: string) => T | Promise<T>,
): Promise<T> {
  const { db, path } = await openFor(argv);
  try {
    const { liveSupervisor, ControlClient } = await import('../../supervisor/client.js');
    const sup = liveSupervisor(db);
    if (sup) {
      const c = await ControlClient.connect(sup.socket);
      try {
        return await live(c, db);
      } finally {
        c.close();
      }
    }
    if (!offline) throw new UserError(`no supervisor is running for ${path}`, 'start one with: agor up -d');
    return await offline(db, path);
  } finally {
    db.close();
  }
}

/** The agents agor knows in this database (those a supervisor registered). */
export async function requireKnownAgents(db: Db, ids: string[]): Promise<void> {
  (await import('../../supervisor/managed.js')).requireManaged(db, ids);
}

/** `s` as one shell word. */
export const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * How the user can run this agor again from here: `agor` when that name on PATH is this
 * binary, else `node <path>` (after `npm run demo` in a fresh clone, nothing is on PATH).
 */
export function selfCommand(): string {
  const real = (p: string): string | null => {
    try {
      return realpathSync(p);
    } catch {
      return null;
    }
  };
  const me = process.argv[1] ? real(process.argv[1]) : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'agor');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    // The first agor on PATH is the one a shell runs: only say `agor` when it is this one.
    if (me && real(candidate) === me) return 'agor';
    break;
  }
  if (!me) return 'agor';
  const rel = relative(process.cwd(), me);
  return `node ${shellWord(rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : me)}`;
}
