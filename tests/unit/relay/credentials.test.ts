import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exit, UserError } from '../../../src/core/errors.js';
import { authority, isLoopback, loadTls, namesOf, parseListen } from '../../../src/relay/credentials.js';
import { makeCertificate } from '../../../src/relay/tls.js';

const failure = (fn: () => unknown): { code: number; message: string } => {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('no error');
};

describe('--listen', () => {
  it.each([
    ['127.0.0.1:7650', { host: '127.0.0.1', port: 7650 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:7651', { host: '::1', port: 7651 }],
    ['[::]:80', { host: '::', port: 80 }],
    ['localhost', { host: 'localhost', port: 7650 }],
    ['relay.example.org:443', { host: 'relay.example.org', port: 443 }],
  ])('reads %s', (s, want) => expect(parseListen(s)).toEqual(want));

  it.each(['', ':7650', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:x', '::1:7650', '[nothost]:1', 'a b:1'])('refuses %j as a usage error', (s) =>
    expect(failure(() => parseListen(s)).code).toBe(Exit.USAGE),
  );

  it('puts IPv6 addresses in brackets in a URL', () => {
    expect(authority({ host: '::1', port: 7650 })).toBe('[::1]:7650');
    expect(authority({ host: '10.0.0.2', port: 7650 })).toBe('10.0.0.2:7650');
  });

  it('takes 127.0.0.0/8, ::1 and localhost for loopback, and nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.org', 'localhost.example.org']) expect(isLoopback(h), h).toBe(false);
  });
});

describe('the certificate and key a relay serves', () => {
  let dir: string;
  let other: { cert: string; key: string };
  const write = async (names = ['127.0.0.1', 'localhost'], days?: number) => {
    const c = await makeCertificate(names, days);
    writeFileSync(join(dir, 'cert.pem'), c.cert, { mode: 0o600 });
    writeFileSync(join(dir, 'key.pem'), c.key, { mode: 0o600 });
    chmodSync(join(dir, 'key.pem'), 0o600);
    return c;
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agor-relay-tls-'));
    other = await makeCertificate(['localhost']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('load with their pin and names when all is well', async () => {
    const c = await write(['127.0.0.1', '::1', 'relay.example.org']);
    const tls = loadTls(dir);
    expect(tls.pin).toBe(c.pin);
    expect(namesOf(tls.x509)).toEqual(['127.0.0.1', '0:0:0:0:0:0:0:1', 'relay.example.org']);
  });

  it('are refused when missing (exit 3, naming init)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'agor-relay-tls-'));
    try {
      const f = failure(() => loadTls(empty));
      expect(f).toMatchObject({ code: Exit.NOT_FOUND });
      expect(f.message).toContain('no certificate at');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('are refused when the key may be read by others (exit 4)', async () => {
    await write();
    chmodSync(join(dir, 'key.pem'), 0o644);
    expect(failure(() => loadTls(dir))).toMatchObject({ code: Exit.NOT_PERMITTED, message: expect.stringContaining('mode 644') });
  });

  it('are refused when they do not match, have expired, are not yet valid, or are not PEM', async () => {
    await write();
    writeFileSync(join(dir, 'key.pem'), other.key, { mode: 0o600 });
    expect(failure(() => loadTls(dir)).message).toContain('does not match the key');
    await write(['localhost'], 30);
    expect(failure(() => loadTls(dir, new Date(Date.now() + 31 * 86_400_000))).message).toContain('expired on');
    expect(failure(() => loadTls(dir, new Date(Date.now() - 86_400_000))).message).toContain('is not valid before');
    writeFileSync(join(dir, 'cert.pem'), 'not a certificate\n');
    expect(failure(() => loadTls(dir))).toMatchObject({ code: Exit.FAILURE, message: expect.stringContaining('is not a PEM certificate') });
  });
});
