import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Exit, UserError, notFound, usage } from '../core/errors.js';
import type { RelayTarget } from './client.js';
import { parsePin } from './pin.js';
import { TokenVault, type VaultKind, configDir } from './vault.js';

/**
 * The relays this machine knows, in $XDG_CONFIG_HOME/agor/hosts.yaml (mode 0600, like
 * ssh's known_hosts and a kubeconfig in one): each host's URL and the pin of its key. The
 * tokens are not in it: they live in a TokenVault (the keyring, else host-tokens.json).
 */

/** One host as hosts.yaml keeps it. */
export interface HostEntry {
  name: string;
  url: string;
  pin: string;
  /** Where its token is. */
  token: VaultKind;
}

/** `local`: this machine's own database, in `agor dash --host local`. */
export const LOCAL_HOST = 'local';

const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** Throws a usage error unless `name` can name a host. */
export function checkHostName(name: string): void {
  if (!NAME.test(name)) throw usage(`invalid host name '${name}'`, 'a host name is 1 to 32 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit');
  if (name === LOCAL_HOST) throw usage(`'${LOCAL_HOST}' is reserved: it means this machine's database`, 'give the host another name');
}

export const hostsFile = (env: NodeJS.ProcessEnv = process.env): string => join(configDir(env), 'hosts.yaml');
const tokensFile = (env: NodeJS.ProcessEnv) => join(configDir(env), 'host-tokens.json');

/** The vault of host tokens; `prefer` the store a host's entry names. */
export const hostVault = (env: NodeJS.ProcessEnv = process.env, prefer?: VaultKind): Promise<TokenVault> =>
  TokenVault.open({ file: tokensFile(env), group: 'agor-hosts', prefer, env });

/** Reads hosts.yaml, refusing one that others may read or another user owns. */
async function readHosts(file: string): Promise<Map<string, HostEntry>> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserError(`${file} is not a regular file`);
    if (st.mode & 0o077) throw new UserError(`${file} may be read by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 600 ${file}`, Exit.NOT_PERMITTED);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid())
      throw new UserError(`${file} belongs to another user (uid ${st.uid})`, undefined, Exit.NOT_PERMITTED);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const hosts = (doc as { hosts?: unknown } | null)?.hosts ?? {};
  if (typeof hosts !== 'object' || Array.isArray(hosts) || hosts === null) throw new UserError(`${file}: 'hosts' is not a mapping`);
  const out = new Map<string, HostEntry>();
  for (const [name, v] of Object.entries(hosts as Record<string, unknown>)) {
    const h = (v ?? {}) as Record<string, unknown>;
    const pin = typeof h.pin === 'string' ? parsePin(h.pin) : null;
    if (!NAME.test(name) || typeof h.url !== 'string' || !pin || (h.token !== 'keyring' && h.token !== 'file'))
      throw new UserError(`${file}: host '${name}' needs url, pin (sha256/…) and token (keyring or file)`, `agor hosts rm ${name} and add it again`);
    out.set(name, { name, url: h.url, pin, token: h.token });
  }
  return out;
}

/** Writes the whole file again: a new 0600 file renamed over the old one. */
async function writeHosts(file: string, hosts: Map<string, HostEntry>): Promise<void> {
  const { stringify } = await import('yaml');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const body = Object.fromEntries([...hosts.values()].map((h) => [h.name, { url: h.url, pin: h.pin, token: h.token }]));
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, `# agor hosts: written by agor hosts add|rm\n${stringify({ hosts: body })}`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/** Every known host, by name. */
export async function listHosts(env: NodeJS.ProcessEnv = process.env): Promise<HostEntry[]> {
  return [...(await readHosts(hostsFile(env))).values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** One host, or exit 3. */
export async function getHost(name: string, env: NodeJS.ProcessEnv = process.env): Promise<HostEntry> {
  const h = (await readHosts(hostsFile(env))).get(name);
  if (!h) throw notFound(`no host '${name}'`, 'agor hosts list shows the hosts; agor hosts add NAME URL adds one');
  return h;
}

/** Saves a host and its token (the token first: an entry never points at a token that is not there). */
export async function addHost(h: { name: string; url: string; pin: string; token: string }, env: NodeJS.ProcessEnv = process.env): Promise<HostEntry> {
  checkHostName(h.name);
  const file = hostsFile(env);
  const hosts = await readHosts(file);
  if (hosts.has(h.name)) throw new UserError(`host '${h.name}' exists`, `agor hosts rm ${h.name} first to replace it`, Exit.CONFLICT);
  const vault = await hostVault(env);
  vault.set(h.name, h.token);
  const entry: HostEntry = { name: h.name, url: h.url, pin: h.pin, token: vault.kind };
  hosts.set(h.name, entry);
  await writeHosts(file, hosts);
  return entry;
}

/** Forgets a host and deletes its token. */
export async function removeHost(name: string, env: NodeJS.ProcessEnv = process.env): Promise<HostEntry> {
  const file = hostsFile(env);
  const hosts = await readHosts(file);
  const h = hosts.get(name);
  if (!h) throw notFound(`no host '${name}'`, 'agor hosts list shows the hosts');
  (await hostVault(env, h.token)).delete(name);
  hosts.delete(name);
  await writeHosts(file, hosts);
  return h;
}

/** What RelayClient.connect needs for a host: its URL, pin and token. */
export async function hostTarget(name: string, env: NodeJS.ProcessEnv = process.env): Promise<RelayTarget> {
  const h = await getHost(name, env);
  const token = (await hostVault(env, h.token)).get(name);
  if (!token)
    throw notFound(`the token of host '${name}' is missing from the ${h.token === 'file' ? 'token file' : 'keyring'}`, `agor hosts rm ${name} and add it again`);
  return { url: h.url, pin: h.pin, token, name };
}
