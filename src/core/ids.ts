import { closeSync, openSync, readSync } from 'node:fs';
import { notFound, usage } from './errors.js';

/**
 * A new uuid (v4) from 16 bytes of /dev/urandom. Web Crypto and node:crypto each load
 * a dozen internal modules first: ~5 ms of every btmsg send and bttask add, measured.
 * Where /dev/urandom cannot be read (a sandbox that hides /dev), Web Crypto it is.
 */
export function newId(): string {
  const b = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    if (readSync(fd, b, 0, 16, null) !== 16) return globalThis.crypto.randomUUID();
  } catch {
    return globalThis.crypto.randomUUID();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Resolves a full id or a unique prefix. `lookup` returns up to ten ids that start
 * with the prefix; none is not-found, several is a usage error listing them.
 */
export function resolvePrefix(prefix: string, what: string, lookup: (prefix: string) => string[]): string {
  const p = prefix.trim();
  if (p === '') throw usage(`${what} id is empty`);
  const ids = lookup(p);
  if (ids.length === 0) throw notFound(`no ${what} with id '${p}'`);
  if (ids.length === 1) return ids[0]!;
  if (ids.includes(p)) return p;
  throw usage(
    `${what} id '${p}' is ambiguous`,
    `it matches ${ids.length >= 10 ? 'at least 10' : ids.length}: ${distinctPrefixes(ids).join(', ')}; give more characters`,
  );
}

/** The ids cut to the shortest length (at least 8) at which they all differ. */
function distinctPrefixes(ids: string[]): string[] {
  const sorted = [...ids].sort();
  let k = 8;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    let n = 0;
    while (n < a.length && a[n] === b[n]) n++;
    k = Math.max(k, n + 1);
  }
  return ids.map((id) => id.slice(0, k));
}
