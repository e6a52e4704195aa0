import { notFound, usage } from '../cli/errors.js';

/**
 * A new uuid (v4). The global Web Crypto object, because importing node:crypto costs
 * a few milliseconds of start-up that every btmsg and bttask call would pay.
 */
export const newId = (): string => globalThis.crypto.randomUUID();

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
