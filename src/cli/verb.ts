import { basename } from 'node:path';
import type { Argv } from 'yargs';
import type { Db } from '../db/open.js';
import { Exit, UserError, usage } from '../core/errors.js';
import type { GlobalArgs } from './run.js';

import { myId } from '../core/identity.js';

export { myId };

/** The same, for the verbs that change agents and contacts. */
export const actorId = (): string => myId();

/** A warning from below (openDb's about a file others can read): one line on stderr, named after the binary. */
export const warnOnStderr = (message: string): void =>
  void process.stderr.write(`${basename(process.argv[1] ?? 'agor').replace(/\.[cm]?js$/, '')}: warning: ${message}\n`);

/**
 * Opens the database for one verb and always closes it. Imported lazily so that
 * --help and usage errors never load the native SQLite addon.
 */
export async function withDb<T>(argv: GlobalArgs, fn: (db: Db) => T): Promise<T> {
  const { openDb } = await import('../db/open.js');
  const db = openDb({ path: argv.db, warn: warnOnStderr });
  try {
    return fn(db);
  } catch (e) {
    // A refusal (exit 4) is audited here, after the refused write has rolled back.
    if (e instanceof UserError && e.code === Exit.NOT_PERMITTED) (await import('../msg/refusals.js')).recordRefusal(db, e);
    throw e;
  } finally {
    db.close();
  }
}

export function limitOption<T>(y: Argv<T>, dflt: number, what = 'entries') {
  return y.option('limit', {
    alias: 'n',
    // A string, so the coerce below sees what was typed ('x', not NaN).
    type: 'string',
    requiresArg: true,
    default: dflt,
    describe: `Show at most N ${what}`,
    coerce: (v: unknown) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100000) throw usage(`invalid --limit '${String(v)}'`, 'give a whole number from 1 to 100000');
      return n;
    },
  });
}
