import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, conflict, notFound, usage } from '../core/errors.js';
import type { Role } from './protocol.js';
import { TokenVault, type VaultKind } from './vault.js';

/** A relay token's metadata, as `agor-relay token list` shows it (never its value). */
export interface TokenInfo {
  name: string;
  role: Role;
  /** ISO 8601, UTC. */
  created_at: string;
  /** Where its value is kept. */
  store: VaultKind;
}

/** Token names: what an audit entry and a log line show for a connection. */
export const TOKEN_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
/** A token's value: `agr_` and 32 random bytes in base64url. */
export const TOKEN_VALUE = /^agr_[A-Za-z0-9_-]{43}$/;

export function checkTokenName(name: string): void {
  if (!TOKEN_NAME.test(name))
    throw usage(`invalid token name '${name}'`, 'a token name is 1-32 of a-z, 0-9, dot, dash or underscore, starting with a letter or digit');
}

export function checkRole(role: string): asserts role is Role {
  if (role !== 'read' && role !== 'admin') throw usage(`invalid role '${role}'`, "a token's role is read (watch only) or admin (act too)");
}

/** A new token value: 256 bits from the CSPRNG. */
export const newTokenValue = (): string => `agr_${randomBytes(32).toString('base64url')}`;

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The keyring group of a relay directory: two directories never share tokens. */
export function relayGroup(dir: string): string {
  return `agor-relay-${createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 12)}`;
}

/** The files of a relay directory. */
export const relayFiles = (dir: string) => ({
  cert: join(dir, 'cert.pem'),
  key: join(dir, 'key.pem'),
  tokens: join(dir, 'tokens.json'),
  secrets: join(dir, 'tokens.secret.json'),
});

/** Reads tokens.json, refusing a file others may read. A missing file is no tokens. */
function readMeta(file: string): TokenInfo[] {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserError(`${file} is not a regular file`);
    if (st.mode & 0o077) throw new UserError(`${file} may be read by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 600 ${file}`);
    const data = JSON.parse(readFileSync(fd, 'utf8')) as { tokens?: unknown };
    if (!data || !Array.isArray(data.tokens)) throw new UserError(`${file} is not a token list ({"tokens": [...]})`);
    return (data.tokens as TokenInfo[]).filter((t) => t && TOKEN_NAME.test(t.name) && (t.role === 'read' || t.role === 'admin'));
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserError(`${file} is not valid JSON: ${e.message}`);
    throw e;
  } finally {
    closeSync(fd);
  }
}

function writeMeta(file: string, tokens: TokenInfo[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, JSON.stringify({ tokens }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

interface Held {
  name: string;
  role: Role;
  hash: Buffer;
}

/** What a token's value lookup found: its value, or why there is none. */
export interface TokenValue {
  info: TokenInfo;
  value: string | null;
  error?: string;
}

/**
 * The tokens of one relay directory: metadata in tokens.json (0600), values in a
 * TokenVault (the keyring, else tokens.secret.json). verify() is what the relay asks
 * on every upgrade; it follows tokens.json, so `agor-relay token rm` takes effect on a
 * running relay within a second.
 */
export class TokenRegistry {
  private held: Held[] = [];
  private stamp = '';
  private checkedAt = 0;
  private readonly vaults = new Map<VaultKind, TokenVault>();

  private constructor(
    readonly dir: string,
    /** The vault new tokens go to. */
    readonly vault: TokenVault,
    private readonly group: string,
  ) {
    this.vaults.set(vault.kind, vault);
  }

  /** Opens (creating, 0700) a relay directory's tokens; the keyring when one answers, unless `prefer` says otherwise. */
  static async open(dir: string, o: { prefer?: VaultKind; env?: NodeJS.ProcessEnv } = {}): Promise<TokenRegistry> {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new UserError(`cannot make the relay directory ${dir}: ${(e as Error).message}`, 'check the permissions of its parent, or give another --dir');
    }
    const group = relayGroup(dir);
    const vault = await TokenVault.open({ file: relayFiles(dir).secrets, group, prefer: o.prefer, env: o.env });
    const r = new TokenRegistry(dir, vault, group);
    await r.reload(true);
    return r;
  }

  private get metaFile(): string {
    return relayFiles(this.dir).tokens;
  }

  /** The vault a token's value was stored in, opened on first use (a token made before a keyring appeared stays in the file). */
  private async vaultOf(kind: VaultKind): Promise<TokenVault> {
    let v = this.vaults.get(kind);
    if (!v) {
      v = await TokenVault.open({ file: relayFiles(this.dir).secrets, group: this.group, prefer: kind });
      this.vaults.set(kind, v);
    }
    return v;
  }

  /** Every token with its value (null when its vault has none or cannot be reached). */
  async values(): Promise<TokenValue[]> {
    const out: TokenValue[] = [];
    for (const info of readMeta(this.metaFile)) {
      try {
        out.push({ info, value: (await this.vaultOf(info.store)).get(info.name) });
      } catch (e) {
        out.push({ info, value: null, error: (e as Error).message });
      }
    }
    return out;
  }

  private statStamp(): string {
    try {
      const st = statSync(this.metaFile);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'none';
    }
  }

  /** Reads tokens.json and the values again when it changed (or when `force`). */
  async reload(force = false): Promise<void> {
    const stamp = this.statStamp();
    if (!force && stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.held = (await this.values()).filter((t) => t.value !== null).map((t) => ({ name: t.info.name, role: t.info.role, hash: sha256(t.value!) }));
    } catch {
      // Fail closed: an unreadable list accepts no token; the next check reads it again.
      this.held = [];
      this.stamp = '';
    }
  }

  /** Keeps the held hashes in step with tokens.json, looking at most once a second. */
  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    if (this.statStamp() === this.stamp) return;
    // Values come from the vault synchronously (keyring and file alike); reload awaits nothing slow.
    this.reloadSync();
  }

  private reloadSync(): void {
    this.stamp = this.statStamp();
    try {
      const held: Held[] = [];
      for (const info of readMeta(this.metaFile)) {
        const v = this.vaults.get(info.store)?.get(info.name) ?? null;
        if (v !== null) held.push({ name: info.name, role: info.role, hash: sha256(v) });
      }
      this.held = held;
    } catch {
      this.held = [];
      this.stamp = '';
    }
  }

  /** The tokens, oldest first (never their values). */
  list(): TokenInfo[] {
    return readMeta(this.metaFile);
  }

  /** Makes a token; its value is returned here and never again. */
  create(name: string, role: Role): { info: TokenInfo; token: string } {
    checkTokenName(name);
    checkRole(role);
    const tokens = readMeta(this.metaFile);
    if (tokens.some((t) => t.name === name)) throw conflict(`a token named '${name}' exists`, `agor-relay token rm ${name} first, or choose another name`);
    const token = newTokenValue();
    const info: TokenInfo = { name, role, created_at: new Date().toISOString(), store: this.vault.kind };
    // The value first: a listed token always has one (a crash in between leaves an unlisted value, never a dead name).
    this.vault.set(name, token);
    writeMeta(this.metaFile, [...tokens, info]);
    this.reloadSync();
    return { info, token };
  }

  /** Removes a token (name and value); false when there is none of that name. */
  remove(name: string): boolean {
    const tokens = readMeta(this.metaFile);
    const t = tokens.find((x) => x.name === name);
    if (!t) return false;
    // The name first: from then on no relay accepts it, whatever happens to the value.
    writeMeta(
      this.metaFile,
      tokens.filter((x) => x.name !== name),
    );
    this.vaults.get(t.store)?.delete(name);
    this.reloadSync();
    return true;
  }

  /** The token's name and role, or null. Every held hash is compared, in constant time, whatever matched before. */
  verify(presented: string): { name: string; role: Role } | null {
    this.refresh();
    const h = sha256(presented);
    let found: Held | null = null;
    for (const t of this.held) {
      if (timingSafeEqual(h, t.hash) && found === null) found = t;
    }
    return found && { name: found.name, role: found.role };
  }
}

/** Removes a token, or says there is none (exit 3). */
export function removeToken(r: TokenRegistry, name: string): void {
  checkTokenName(name);
  if (!r.remove(name)) throw notFound(`no token named '${name}'`, 'agor-relay token list shows the tokens');
}
