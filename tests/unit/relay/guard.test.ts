import { describe, expect, it } from 'vitest';
import { Counter, DEFAULT_LIMITS, FailureGuard, peerAddress, sourceOf } from '../../../src/relay/guard.js';

/** A guard over a clock the test moves. */
function guard() {
  let now = 1_000_000;
  const g = new FailureGuard(DEFAULT_LIMITS, () => now);
  return { g, advance: (ms: number) => (now += ms) };
}

describe('the failed-token lockout', () => {
  it('locks an address out on its fifth failure in a row, for 30 s', () => {
    const { g, advance } = guard();
    expect([1, 2, 3, 4].map(() => g.fail('10.0.0.1'))).toEqual([0, 0, 0, 0]);
    expect(g.lockedFor('10.0.0.1')).toBe(0);
    expect(g.fail('10.0.0.1')).toBe(30_000);
    expect(g.lockedFor('10.0.0.1')).toBe(30_000);
    advance(29_000);
    expect(g.lockedFor('10.0.0.1')).toBe(1000);
    advance(1000);
    expect(g.lockedFor('10.0.0.1')).toBe(0);
  });

  it('doubles each further lockout: 30 s, 60 s, 120 s', () => {
    const { g, advance } = guard();
    const lockouts: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) g.fail('a');
      const ms = g.fail('a');
      lockouts.push(ms);
      advance(ms);
    }
    expect(lockouts).toEqual([30_000, 60_000, 120_000]);
  });

  it('counts per address: another address is not locked out', () => {
    const { g } = guard();
    for (let i = 0; i < 5; i++) g.fail('a');
    expect(g.lockedFor('a')).toBeGreaterThan(0);
    expect(g.lockedFor('b')).toBe(0);
    expect(g.fail('b')).toBe(0);
  });

  it('starts an address clean after a good token', () => {
    const { g, advance } = guard();
    for (let i = 0; i < 5; i++) g.fail('a');
    advance(30_000);
    g.succeed('a');
    for (let i = 0; i < 4; i++) expect(g.fail('a')).toBe(0);
    expect(g.fail('a')).toBe(30_000);
  });

  it('forgets an address after an hour without a failure, and not before', () => {
    const { g, advance } = guard();
    for (let i = 0; i < 5; i++) g.fail('a');
    advance(30_000);
    for (let i = 0; i < 4; i++) g.fail('a');
    advance(3_599_000);
    // Still remembered: the fifth failure now would be the second lockout.
    expect(g.fail('a')).toBe(60_000);
    advance(60_000 + 3_600_000);
    g.sweep();
    for (let i = 0; i < 4; i++) g.fail('a');
    expect(g.fail('a')).toBe(30_000);
  });
});

describe('the connection caps', () => {
  it('gives places up to the total and the per-address cap, and takes them back', () => {
    const c = new Counter(3, 2);
    expect([c.take('a'), c.take('a'), c.take('a')]).toEqual([true, true, false]);
    expect(c.take('b')).toBe(true);
    expect(c.take('c')).toBe(false);
    c.give('a');
    expect(c.take('c')).toBe(true);
    expect(c.total).toBe(3);
    // Giving back what was never taken changes nothing.
    c.give('zzz');
    expect(c.total).toBe(3);
  });
});

describe('source addresses', () => {
  it('counts an IPv4 address mapped into IPv6 as the IPv4 address', () => {
    expect(sourceOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(sourceOf('127.0.0.1')).toBe('127.0.0.1');
    expect(sourceOf('::FFFF:10.1.2.3')).toBe('10.1.2.3');
  });

  it('counts an IPv6 address as its /64', () => {
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:0db8:0001:0002:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::5')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf(undefined)).toBe('unknown');
    expect(peerAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(peerAddress('2001:db8::5')).toBe('2001:db8::5');
  });
});
