import { MAX_BUFFERED, MAX_PAYLOAD, PING_MS } from './protocol.js';

/** What one peer, and all of them together, may make the relay hold. */
export interface RelayLimits {
  /** Failed tokens in a row from one address before it is locked out. */
  lockoutAfter: number;
  /** The first lockout; each further one doubles it. */
  lockoutMs: number;
  /** An address with no failure for this long starts again from the first lockout. */
  forgetAfterMs: number;
  /** The TLS handshake and the HTTP upgrade must be over in this time. */
  handshakeMs: number;
  /** Sockets not yet upgraded, in all and from one address: beyond, destroyed at once. */
  maxPending: number;
  maxPendingPerAddress: number;
  /** Upgraded connections, in all and from one address: beyond, HTTP 503. */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** The largest message a client may send (a larger one closes the connection, 1009). */
  maxPayload: number;
  /** A client whose unsent data passes this is terminated. */
  maxBuffered: number;
  /** Ping period; a client that misses two pongs is terminated. */
  pingMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  lockoutAfter: 5,
  lockoutMs: 30_000,
  forgetAfterMs: 3_600_000,
  handshakeMs: 10_000,
  maxPending: 64,
  maxPendingPerAddress: 16,
  maxConnections: 256,
  maxConnectionsPerAddress: 64,
  maxPayload: MAX_PAYLOAD,
  maxBuffered: MAX_BUFFERED,
  pingMs: PING_MS,
};

interface Failures {
  failures: number;
  /** Lockouts so far: the next lasts lockoutMs * 2^lockouts. */
  lockouts: number;
  lockedUntil: number;
  lastFailure: number;
}

/**
 * Failed tokens per source address (not address:port: a client that reconnects is the same
 * client) and the lockouts they earn. Pure bookkeeping over a clock, so its rules are tested
 * without sockets.
 */
export class FailureGuard {
  private readonly byAddr = new Map<string, Failures>();

  constructor(
    private readonly limits: Pick<RelayLimits, 'lockoutAfter' | 'lockoutMs' | 'forgetAfterMs'>,
    private readonly now: () => number = Date.now,
  ) {}

  private record(addr: string): Failures | undefined {
    const r = this.byAddr.get(addr);
    if (r && r.lockedUntil <= this.now() && this.now() - r.lastFailure >= this.limits.forgetAfterMs) {
      this.byAddr.delete(addr);
      return undefined;
    }
    return r;
  }

  /** Milliseconds `addr` is still locked out for (0: not locked). */
  lockedFor(addr: string): number {
    const r = this.record(addr);
    return r ? Math.max(0, r.lockedUntil - this.now()) : 0;
  }

  /** Counts a failed token; returns the lockout it started, in ms (0: none yet). */
  fail(addr: string): number {
    const now = this.now();
    const r = this.record(addr) ?? { failures: 0, lockouts: 0, lockedUntil: 0, lastFailure: 0 };
    this.byAddr.set(addr, r);
    r.lastFailure = now;
    r.failures++;
    if (r.failures < this.limits.lockoutAfter) return 0;
    const ms = this.limits.lockoutMs * 2 ** r.lockouts;
    r.lockouts++;
    r.failures = 0;
    r.lockedUntil = now + ms;
    return ms;
  }

  /** A good token: the address starts clean. */
  succeed(addr: string): void {
    this.byAddr.delete(addr);
  }

  /** Drops addresses that have nothing left to remember (called now and then). */
  sweep(): void {
    for (const addr of [...this.byAddr.keys()]) this.record(addr);
  }
}

/** Counts per address with a total, for the pending and connection caps. */
export class Counter {
  private readonly byAddr = new Map<string, number>();
  total = 0;

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Takes one place for `addr`; false (nothing taken) when a cap is reached. */
  take(addr: string): boolean {
    const n = this.byAddr.get(addr) ?? 0;
    if (this.total >= this.max || n >= this.maxPerAddress) return false;
    this.byAddr.set(addr, n + 1);
    this.total++;
    return true;
  }

  give(addr: string): void {
    const n = this.byAddr.get(addr) ?? 0;
    if (n <= 0) return;
    if (n === 1) this.byAddr.delete(addr);
    else this.byAddr.set(addr, n - 1);
    this.total--;
  }
}

/** A peer's address as the logs show it: an IPv4 address mapped into IPv6 is the IPv4 one. */
export const peerAddress = (remote: string | undefined): string => (remote ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * The source a peer is counted as (failed tokens, caps): an IPv4 address (one mapped into IPv6 too), or an IPv6
 * address's /64, since one machine usually holds a whole /64 and could otherwise step to a
 * fresh address for each try.
 */
export function sourceOf(remote: string | undefined): string {
  const a = peerAddress(remote);
  if (!a.includes(':')) return a;
  const [head = '', tail] = a.split('%')[0]!.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  if (groups.length !== 8) return a;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
