import { describe, expect, it } from 'vitest';
import { makeScrubber, noScrub, scrubShapes, tokenShapes, valueForms } from '../../../src/secrets/scrub.js';

// Made-up credentials in the real shapes (none of them was ever issued).
const GHP = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const PAT = 'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01';
const ANT = 'sk-ant-api03-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-Dc_Ba9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7Ba6Zx5Yw4Vu3Ts2Rq1Po0NmAA';
const OAI = 'sk-' + 'T3BlbkFJq8Zx1Yw2Vu3Ts4Rq5Po6Nm7Lk8Ji9Hg0Fe1Dc2Ba';
const PROJ = 'sk-proj-' + 'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3_-Ab4Cd5Ef6Gh7';
const SLACK = 'xoxb-' + '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const AWS = 'AKIA' + 'IOSFODNN7EXAMPLE';
const PEM = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB',
  'aFDrBz9vFqU4yRs6Hm4c1ZzVZlV5Q4ZVmAkdSUzU8fCgQhUjEOc=',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

describe('makeScrubber: exact values', () => {
  const scrub = makeScrubber([{ name: 'API_KEY', value: 'correct horse battery staple' }]);

  it('redacts a secret value by its name', () => {
    expect(scrub('using correct horse battery staple now')).toBe('using [REDACTED:API_KEY] now');
  });

  it('redacts every occurrence, on every line', () => {
    expect(scrub('a correct horse battery staple\nb correct horse battery staple')).toBe('a [REDACTED:API_KEY]\nb [REDACTED:API_KEY]');
  });

  it('redacts the value in standard and URL-safe base64, with and without padding', () => {
    const v = 'k?>~secret~<?k'; // its base64 has + and / in it
    const s = makeScrubber([{ name: 'TOK', value: v }]);
    const b64 = Buffer.from(v).toString('base64');
    expect(b64).toMatch(/[+/]/);
    expect(s(`Authorization: Basic ${b64}`)).toBe('Authorization: Basic [REDACTED:TOK]');
    expect(s(`x=${Buffer.from(v).toString('base64url')}&y`)).toBe('x=[REDACTED:TOK]&y');
    expect(scrub(`${Buffer.from('correct horse battery staple').toString('base64').replace(/=+$/, '')}.`)).toBe('[REDACTED:API_KEY].');
    expect(scrub(Buffer.from('correct horse battery staple').toString('base64'))).toBe('[REDACTED:API_KEY]');
  });

  it('redacts the value in lower and upper case hex', () => {
    const hex = Buffer.from('correct horse battery staple').toString('hex');
    expect(scrub(`0x${hex}`)).toBe('0x[REDACTED:API_KEY]');
    expect(scrub(hex.toUpperCase())).toBe('[REDACTED:API_KEY]');
  });

  it('redacts the value URL-encoded, with upper or lower case escapes', () => {
    expect(scrub('https://h/?key=correct%20horse%20battery%20staple&x=1')).toBe('https://h/?key=[REDACTED:API_KEY]&x=1');
    const s = makeScrubber([{ name: 'P', value: 'pa/ss:w0rd' }]);
    expect(s('u=pa%2Fss%3Aw0rd')).toBe('u=[REDACTED:P]');
    expect(s('u=pa%2fss%3aw0rd')).toBe('u=[REDACTED:P]');
  });

  it('redacts a value that contains another one whole, under its own name', () => {
    const s = makeScrubber([
      { name: 'SHORT', value: 'abcdef12' },
      { name: 'LONG', value: 'xx-abcdef12-yy' },
    ]);
    expect(s('one xx-abcdef12-yy two abcdef12')).toBe('one [REDACTED:LONG] two [REDACTED:SHORT]');
  });

  it('treats regular expression characters in a value literally', () => {
    const s = makeScrubber([{ name: 'RX', value: 'a.b*c+(d)|[e]$^' }]);
    expect(s('v=a.b*c+(d)|[e]$^;')).toBe('v=[REDACTED:RX];');
    expect(s('aXbbbc+(d)|[e]$^')).toBe('aXbbbc+(d)|[e]$^');
  });

  it('leaves values shorter than six characters alone', () => {
    const s = makeScrubber([{ name: 'PIN', value: '12345' }]);
    expect(s('pin 12345')).toBe('pin 12345');
  });

  it('names a secret by its own name even when it has a known token shape', () => {
    const s = makeScrubber([{ name: 'GITHUB_TOKEN', value: GHP }]);
    expect(s(`token ${GHP}`)).toBe('token [REDACTED:GITHUB_TOKEN]');
  });

  it('lists the encodings it looks for, each once', () => {
    const forms = valueForms('plainvalue');
    expect(forms).toContain('plainvalue');
    expect(forms).toContain(Buffer.from('plainvalue').toString('hex'));
    expect(new Set(forms).size).toBe(forms.length);
  });
});

describe('token shapes', () => {
  it.each([
    ['github-token', GHP],
    ['github-token', 'gho_' + GHP.slice(4)],
    ['github-token', 'ghs_' + GHP.slice(4)],
    ['github-token', PAT],
    ['anthropic-key', ANT],
    ['openai-key', OAI],
    ['openai-key', PROJ],
    ['slack-token', SLACK],
    ['aws-access-key-id', AWS],
    ['aws-access-key-id', 'ASIA' + 'Y34FZKBOKMUTVV7A'],
    ['agor-relay-token', 'agr_' + 'q3Vx9LmT2pZr8sKdW0yBf4NcH7uJe1GaXoIvQ5tYb6M'],
  ])('redacts a %s with no secrets given', (shape, token) => {
    expect(scrubShapes(`export T="${token}" # set`)).toBe(`export T="[REDACTED:${shape}]" # set`);
    expect(tokenShapes(`see ${token}.`)).toEqual([shape]);
  });

  it('redacts a private key block from BEGIN through END', () => {
    expect(scrubShapes(`key:\n${PEM}\ndone`)).toBe('key:\n[REDACTED:private-key]\ndone');
    expect(tokenShapes(PEM)).toEqual(['private-key']);
  });

  it('redacts a private key cut in two: from BEGIN to the end, and from the start to END', () => {
    const lines = PEM.split('\n');
    expect(scrubShapes(`log\n${lines.slice(0, 2).join('\n')}\n`)).toBe('log\n[REDACTED:private-key]');
    expect(scrubShapes(`${lines.slice(2).join('\n')}\nafter`)).toBe('[REDACTED:private-key]\nafter');
  });

  it('redacts several tokens on one line', () => {
    expect(scrubShapes(`${GHP} and ${ANT}`)).toBe('[REDACTED:github-token] and [REDACTED:anthropic-key]');
  });

  it('is idempotent: redacted text comes out as it went in', () => {
    const once = scrubShapes(`${GHP} ${ANT} ${AWS}\n${PEM}`);
    expect(scrubShapes(once)).toBe(once);
    expect(tokenShapes(once)).toEqual([]);
  });
});

describe('ordinary text is left alone', () => {
  const ORDINARY = [
    'The task-list-renderer-component-2024 was refactored; see task-1234567890abcdefghij.',
    'pip install sk-learn-compatible-estimator-interface-v2',
    "const disk = 'sk-' + id; // sk-prefixed ids are fine",
    'git checkout -b ghp_fix && echo gh_pages',
    'commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main)',
    'sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'TAKIAIOSFODNN7EXAMPLEX is a word, AKIA alone is not a key',
    'xoxb-rated plans for the xoxo-team-sync-meeting',
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUKs\n-----END CERTIFICATE-----',
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----',
    'function parse(s) {\n  return s.split("-").map((x) => x.trim()); // skip-empty-strings-in-the-list\n}',
    'The private key is kept in the keyring; never print your PRIVATE KEY.',
    'Ünïcödé text, 日本語, emoji 🎉 and a URL https://example.com/a%20b?c=d',
  ];

  it.each(ORDINARY)('keeps %j', (text) => {
    expect(scrubShapes(text)).toBe(text);
    expect(tokenShapes(text)).toEqual([]);
  });

  it('keeps text that merely shares a short prefix with a secret', () => {
    const s = makeScrubber([{ name: 'K', value: 'hunter2hunter2' }]);
    expect(s('hunter2 is not the whole value')).toBe('hunter2 is not the whole value');
  });

  it('the identity scrubber changes nothing', () => {
    expect(noScrub(GHP)).toBe(GHP);
  });
});

describe('speed', () => {
  it('scrubs a 10 MiB log with three secrets in well under a second', () => {
    const line = 'tool_use {"command":"npm test"} -> 42 passed in src/index.ts:17 (task-1234, sk-learn)\n';
    const text = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
    const s = makeScrubber([
      { name: 'A', value: 'first-secret-value' },
      { name: 'B', value: 'second/secret+value' },
      { name: 'C', value: 'x'.repeat(40) },
    ]);
    const t0 = performance.now();
    const out = s(text + GHP);
    const ms = performance.now() - t0;
    expect(out.endsWith('[REDACTED:github-token]')).toBe(true);
    expect(ms).toBeLessThan(1000);
  });
});
