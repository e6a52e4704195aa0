import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Exit, UserError, notFound, usage } from '../core/errors.js';
import { DEFAULT_PORT } from './protocol.js';
import { pinOf } from './pin.js';
import { relayFiles } from './tokens.js';

/** An address to listen on. */
export interface Listen {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[IPV6]:PORT`, or `HOST` (port 7650); port 0 picks a free one. */
export function parseListen(s: string): Listen {
  const m = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(s) ?? /^([^:[\]\s]+)(?::(\d+))?$/.exec(s);
  const port = m?.[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (!m || !Number.isInteger(port) || port > 65535 || (m[0].startsWith('[') && isIP(m[1]!) !== 6))
    throw usage(`invalid --listen '${s}'`, 'give HOST:PORT, as in 127.0.0.1:7650, [::1]:7650 or 0.0.0.0:7650');
  return { host: m[1]!, port };
}

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^::ffff:/, '');
  return h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** `host:port` as a URL's authority (IPv6 in brackets). */
export const authority = (l: Listen): string => `${isIP(l.host) === 6 ? `[${l.host}]` : l.host}:${l.port}`;

/** Reads a file of the relay directory, saying which and why when it cannot. */
function readPem(file: string, what: string, privateKey: boolean): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`no ${what} at ${file}`, 'make one with: agor-relay init');
    throw new UserError(`cannot read the ${what} ${file}: ${(e as Error).message}`, 'check its owner and mode (agor-relay --check)');
  }
  try {
    const st = fstatSync(fd);
    if (privateKey && st.mode & 0o077)
      throw new UserError(
        `the private key ${file} may be read by others (mode ${(st.mode & 0o777).toString(8)})`,
        `chmod 600 ${file}; if others could read it, make a new one: agor-relay init --force`,
        Exit.NOT_PERMITTED,
      );
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The relay's certificate and key, checked: both parse, the key matches, the dates hold. */
export interface Tls {
  cert: string;
  key: string;
  pin: string;
  x509: X509Certificate;
}

/** Loads cert.pem and key.pem of a relay directory, refusing what a relay must not serve. */
export function loadTls(dir: string, now = new Date()): Tls {
  const files = relayFiles(dir);
  const cert = readPem(files.cert, 'certificate', false);
  const key = readPem(files.key, 'private key', true);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new UserError(`${files.cert} is not a PEM certificate (${(e as Error).message})`, 'make a new one: agor-relay init --force');
  }
  let k: KeyObject;
  try {
    k = createPrivateKey(key);
  } catch (e) {
    throw new UserError(`${files.key} is not a PEM private key (${(e as Error).message})`, 'make a new pair: agor-relay init --force');
  }
  if (!x509.checkPrivateKey(k))
    throw new UserError(`the certificate ${files.cert} does not match the key ${files.key}`, 'make a new pair: agor-relay init --force (clients must pin again)');
  if (new Date(x509.validTo) < now)
    throw new UserError(`the certificate ${files.cert} expired on ${new Date(x509.validTo).toISOString()}`, 'agor-relay init --force makes a new one');
  if (new Date(x509.validFrom) > now)
    throw new UserError(`the certificate ${files.cert} is not valid before ${new Date(x509.validFrom).toISOString()}`, "check this machine's clock");
  return { cert, key, pin: pinOf(x509), x509 };
}

/** The names a certificate's subjectAltName lists (DNS names and IP addresses). */
export function namesOf(x509: X509Certificate): string[] {
  return (x509.subjectAltName ?? '')
    .split(', ')
    .map((s) => s.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
}
