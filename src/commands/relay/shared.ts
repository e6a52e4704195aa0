import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { GlobalArgs } from '../../cli/run.js';

export type { Verb } from '../../cli/run.js';

export interface DirArgs extends GlobalArgs {
  dir?: string;
  tokenFile?: boolean;
}

/** --dir and --token-file: where the relay's certificate, key and tokens live. */
export const dirOptions = <T>(y: Argv<T>) =>
  y
    .option('dir', {
      type: 'string',
      requiresArg: true,
      describe: "The relay's directory: cert.pem, key.pem, tokens.json (default: $XDG_CONFIG_HOME/agor/relay)",
    })
    .option('token-file', {
      type: 'boolean',
      describe: 'Keep new token values in DIR/tokens.secret.json (0600) even when a keyring answers',
    });

/** The relay directory, absolute (its keyring group is derived from the real path). */
export async function dirOf(argv: DirArgs): Promise<string> {
  if (argv.dir) return resolve(argv.dir);
  const { configDir } = await import('../../relay/vault.js');
  return join(configDir(), 'relay');
}

/** The database the relay serves: --db, else $AGOR_DB, else the default; absolute. */
export async function dbPathOf(argv: GlobalArgs): Promise<string> {
  const { resolveDbPath } = await import('../../db/path.js');
  return resolve(resolveDbPath(argv.db).path);
}

/** The token registry of the relay directory. */
export async function registryOf(argv: DirArgs) {
  const { TokenRegistry } = await import('../../relay/tokens.js');
  return TokenRegistry.open(await dirOf(argv), { prefer: argv.tokenFile ? 'file' : undefined });
}
