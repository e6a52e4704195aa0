import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Exit, UserError } from '../../../src/core/errors.js';
import { TOKEN_VALUE, TokenRegistry, relayGroup } from '../../../src/relay/tokens.js';
import { waitFor } from '../../helpers/wait.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agor-relay-tokens-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (d = dir) => TokenRegistry.open(d, { prefer: 'file' });
const codeOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof UserError ? e.code : -1;
  }
  return undefined;
};

describe('relay tokens', () => {
  it('are agr_ and 43 base64url characters, shown by create and never stored beside their names', async () => {
    const r = await open();
    const { info, token } = r.create('laptop', 'admin');
    expect(token).toMatch(TOKEN_VALUE);
    expect(info).toMatchObject({ name: 'laptop', role: 'admin', store: 'file' });
    expect(r.list()).toEqual([info]);
    const meta = readFileSync(join(dir, 'tokens.json'), 'utf8');
    expect(meta).not.toContain(token);
    expect(readFileSync(join(dir, 'tokens.secret.json'), 'utf8')).toContain(token);
    for (const f of ['tokens.json', 'tokens.secret.json']) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
  });

  it('verify names the token and its role for the right value and nothing for any other', async () => {
    const r = await open();
    const admin = r.create('ops', 'admin').token;
    const read = r.create('wall', 'read').token;
    expect(r.verify(admin)).toEqual({ name: 'ops', role: 'admin' });
    expect(r.verify(read)).toEqual({ name: 'wall', role: 'read' });
    // Same length and prefix, last character changed.
    const near = admin.slice(0, -1) + (admin.endsWith('A') ? 'B' : 'A');
    for (const wrong of [near, '', 'agr_', admin + 'x', admin.toUpperCase()]) expect(r.verify(wrong)).toBeNull();
  });

  it('a running registry refuses a token removed through another one, within about a second', async () => {
    const running = await open();
    const cli = await open();
    const { token } = cli.create('gone', 'read');
    await waitFor(
      'the running registry to accept the new token',
      () => running.verify(token),
      (v) => v !== null,
      { timeout: 5000 },
    );
    expect(cli.remove('gone')).toBe(true);
    await waitFor(
      'the running registry to refuse the removed token',
      () => running.verify(token),
      (v) => v === null,
      { timeout: 5000 },
    );
    expect(cli.remove('gone')).toBe(false);
  });

  it('refuses bad names, bad roles and a name in use', async () => {
    const r = await open();
    r.create('a.b_c-1', 'read');
    expect(codeOf(() => r.create('a.b_c-1', 'admin'))).toBe(Exit.CONFLICT);
    for (const bad of ['', 'Admin', '-x', '.x', 'a'.repeat(33), 'a b', 'é'])
      expect(
        codeOf(() => r.create(bad, 'read')),
        bad,
      ).toBe(Exit.USAGE);
    expect(codeOf(() => r.create('x', 'root' as never))).toBe(Exit.USAGE);
  });

  it('accepts no token at all when tokens.json is unreadable, and recovers when it is fixed', async () => {
    const r = await open();
    const { token } = r.create('one', 'admin');
    const good = readFileSync(join(dir, 'tokens.json'), 'utf8');
    writeFileSync(join(dir, 'tokens.json'), '{not json', { mode: 0o600 });
    await waitFor(
      'a broken list to refuse every token',
      () => r.verify(token),
      (v) => v === null,
      { timeout: 5000 },
    );
    writeFileSync(join(dir, 'tokens.json'), good, { mode: 0o600 });
    await waitFor(
      'the fixed list to accept it again',
      () => r.verify(token),
      (v) => v !== null,
      { timeout: 5000 },
    );
  });

  it('gives two relay directories two keyring groups', () => {
    const other = mkdtempSync(join(tmpdir(), 'agor-relay-tokens-'));
    try {
      expect(relayGroup(dir)).toMatch(/^agor-relay-[0-9a-f]{12}$/);
      expect(relayGroup(dir)).not.toBe(relayGroup(other));
      expect(relayGroup(join(dir, '.'))).toBe(relayGroup(dir));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
