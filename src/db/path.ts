import { homedir } from 'node:os';
import { join } from 'node:path';

/** The agor data directory: $XDG_DATA_HOME/agor, else ~/.local/share/agor. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'share'), 'agor');
}

/** `--db PATH`, else $AGOR_DB, else the default file in the data directory. */
export function resolveDbPath(option?: string, env: NodeJS.ProcessEnv = process.env): { path: string; isDefault: boolean } {
  if (option !== undefined && option !== '') return { path: option, isDefault: false };
  if (env.AGOR_DB) return { path: env.AGOR_DB, isDefault: false };
  return { path: join(dataDir(env), 'agor.db'), isDefault: true };
}
