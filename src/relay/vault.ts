import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';

/** Where a vault keeps its values: the OS keyring (Secret Service), or a 0600 file. */
export type VaultKind = 'keyring' | 'file';

/** The agor configuration directory: $XDG_CONFIG_HOME/agor, else ~/.config/agor. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME || '/', '.config');
  return join(base, 'agor');
}

/** A token's name, as a keyring item's name (SECRET_NAME: capitals, digits, _). */
const itemName = (name: string): string => `T_${Buffer.from(name, 'utf8').toString('hex').toUpperCase()}`.slice(0, 128);

interface Backend {
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): boolean;
}

/**
 * Token values of agor itself (relay tokens on a server, host tokens on a client): kept as
 * `system` secrets in the OS keyring under `group`, or, where no keyring answers (no
 * session bus, no Secret Service on it), in a JSON file of mode 0600. A locked keyring
 * is an error, not a reason to write the file: the values would split across two
 * places. Values never go to argv or the environment.
 */
export class TokenVault {
  private constructor(
    readonly kind: VaultKind,
    /** The file, for `file`; the keyring group, for `keyring`. */
    readonly where: string,
    private readonly backend: Backend,
  ) {}

  /**
   * Opens the keyring when one answers, else the file. `prefer: 'file'` skips the
   * keyring (agor-relay --token-file); `prefer: 'keyring'` refuses the file.
   */
  static async open(o: { file: string; group: string; prefer?: VaultKind; env?: NodeJS.ProcessEnv }): Promise<TokenVault> {
    if (o.prefer !== 'file') {
      const { KeyringError, SecretStore } = await import('../secrets/store.js');
      try {
        const store = SecretStore.open();
        const ref = (name: string) => ({ group: o.group, agent: null, name: itemName(name) });
        return new TokenVault('keyring', o.group, {
          get: (n) => store.get(ref(n)),
          set: (n, v) => store.set(ref(n), v),
          delete: (n) => store.delete(ref(n)),
        });
      } catch (e) {
        if (!(e instanceof KeyringError) || o.prefer === 'keyring' || e.kind === 'locked' || e.kind === 'other') throw e;
      }
    }
    return new TokenVault('file', o.file, fileBackend(o.file));
  }

  get(name: string): string | null {
    return this.backend.get(name);
  }

  set(name: string, value: string): void {
    this.backend.set(name, value);
  }

  /** True when there was a value to delete. */
  delete(name: string): boolean {
    return this.backend.delete(name);
  }
}

/** Reads a vault file, refusing one that others may read or that another user owns. */
function readVault(file: string): Record<string, string> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserError(`${file} is not a regular file`);
    if (st.mode & 0o077) throw new UserError(`${file} may be read by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 600 ${file}`);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new UserError(`${file} belongs to another user (uid ${st.uid})`);
    const data = JSON.parse(readFileSync(fd, 'utf8')) as unknown;
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UserError(`${file} is not a token file (a JSON object)`);
    return data as Record<string, string>;
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserError(`${file} is not valid JSON: ${e.message}`);
    throw e;
  } finally {
    closeSync(fd);
  }
}

/** Writes the whole file again: a new 0600 file renamed over the old one. */
function writeVault(file: string, data: Record<string, string>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

function fileBackend(file: string): Backend {
  return {
    get: (n) => readVault(file)[n] ?? null,
    set: (n, v) => writeVault(file, { ...readVault(file), [n]: v }),
    delete: (n) => {
      const data = readVault(file);
      if (!(n in data)) return false;
      delete data[n];
      writeVault(file, data);
      return true;
    },
  };
}
