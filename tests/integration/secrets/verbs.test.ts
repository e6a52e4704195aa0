import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, run, tempDb } from '../../helpers/cli.js';
import { keyringInThisProcess } from '../../helpers/keyring.js';
import { SecretStore } from '../../../src/secrets/store.js';

const keyring = keyringInThisProcess();

let t: ReturnType<typeof tempDb>;
let group: string;
beforeEach(() => {
  t = tempDb();
  // A group per test: items of one test never answer for another's.
  group = `g${Math.random().toString(36).slice(2, 10)}`;
  writeFileSync(
    join(t.dir, 'agor.yaml'),
    `group: ${group}\nagents:\n  a:\n    command: [sleep, "1"]\n    secrets: [GITHUB_TOKEN, { name: GH, from: OTHER_TOKEN }]\n  b:\n    command: [sleep, "1"]\n`,
  );
});
afterEach(() => t.cleanup());

const agor = (args: string[], input?: string) => run('agor', args, { db: t.db, cwd: t.dir, input, env: keyring().env });
const shared = (name: string) => ({ group, agent: null, name });

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

describe('agor secret set, list and rm', () => {
  it('stores the value in the keyring, lists its name and scope without the value, and rm deletes it', () => {
    const value = 'ghp_roundtrip0123456789abcdefABCDEF0123';
    const set = agor(['secret', 'set', 'GITHUB_TOKEN'], `${value}\n`);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('stored GITHUB_TOKEN (shared, tool)');
    expect(set.stdout + set.stderr).not.toContain(value);
    expect(SecretStore.open().get(shared('GITHUB_TOKEN'))).toBe(value);

    const list = agor(['secret', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain(value);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ group_id: group, agent: null, name: 'GITHUB_TOKEN', category: 'tool', set_by: 'admin' })]);
    expect(agor(['secret', 'list']).stdout).toMatch(/GITHUB_TOKEN\s+shared\s+tool\s+admin/);

    const rm = agor(['secret', 'rm', 'GITHUB_TOKEN']);
    expect(rm.code).toBe(0);
    expect(SecretStore.open().get(shared('GITHUB_TOKEN'))).toBeNull();
    expect(JSON.parse(agor(['secret', 'list', '--json']).stdout)).toEqual([]);
    expect(agor(['secret', 'rm', 'GITHUB_TOKEN']).code).toBe(3);
  });

  it("keeps an agent's secret apart from the shared one of the same name, and marks --system ones", () => {
    expect(agor(['secret', 'set', 'API_KEY'], 'shared-value-1').code).toBe(0);
    expect(agor(['secret', 'set', 'API_KEY', '--agent', 'a', '--system'], 'agent-value-2').code).toBe(0);
    const store = SecretStore.open();
    expect(store.get(shared('API_KEY'))).toBe('shared-value-1');
    expect(store.get({ group, agent: 'a', name: 'API_KEY' })).toBe('agent-value-2');
    expect(store.get({ group, agent: 'b', name: 'API_KEY' })).toBeNull();
    // Another group on the same machine sees neither.
    expect(store.get({ group: `${group}x`, agent: null, name: 'API_KEY' })).toBeNull();
    const rows = JSON.parse(agor(['secret', 'list', '--json']).stdout) as { agent: string | null; category: string }[];
    expect(rows.map((r) => [r.agent, r.category])).toEqual([
      [null, 'tool'],
      ['a', 'system'],
    ]);
    expect(agor(['secret', 'rm', 'API_KEY', '--agent', 'a']).code).toBe(0);
    expect(store.get(shared('API_KEY'))).toBe('shared-value-1');
    expect(agor(['secret', 'set', 'API_KEY', '--agent', 'nobody'], 'v').code).toBe(3);
  });

  it('leaves the value out of the database, its WAL, the audit log and every file under the data directory', () => {
    const value = 'sk-ant-api03-nowhere-on-disk-0123456789';
    expect(agor(['secret', 'set', 'ANTHROPIC_API_KEY'], value).code).toBe(0);
    expect(agor(['secret', 'set', 'ANTHROPIC_API_KEY', '--agent', 'b'], `${value}-b`).code).toBe(0);
    expect(agor(['secret', 'rm', 'ANTHROPIC_API_KEY', '--agent', 'b']).code).toBe(0);
    // A reader kept open while the writes land keeps the WAL on disk for the scan.
    const db = new Database(t.db, { readonly: true });
    try {
      const audit = db.prepare("SELECT event_type, detail FROM audit_log WHERE event_type LIKE 'secret_%' ORDER BY id").all() as {
        event_type: string;
        detail: string;
      }[];
      expect(audit.map((a) => a.event_type)).toEqual(['secret_set', 'secret_set', 'secret_removed']);
      expect(JSON.parse(audit[0]!.detail)).toEqual({ group, agent: null, name: 'ANTHROPIC_API_KEY', category: 'tool' });
      expect(agor(['secret', 'set', 'OTHER_TOKEN'], `${value}-c`).code).toBe(0);
      const files = filesUnder(t.dir);
      expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([t.db, `${t.db}-wal`]));
      for (const f of files) expect(f.bytes.includes(value), f.path).toBe(false);
    } finally {
      db.close();
    }
  });

  it('never puts the value in the argv of a process', async () => {
    const value = 'argv-never-holds-this-0123456789';
    const seen: string[] = [];
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'agor.cjs'), 'secret', 'set', 'GITHUB_TOKEN'], {
      cwd: t.dir,
      env: { ...process.env, ...keyring().env, AGOR_DB: t.db },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin.end(`${value}\n`);
    const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let code: number | null | undefined;
    void done.then((c) => (code = c));
    // Scan every process's argv until the verb has exited (it and the dbus-send it runs).
    while (code === undefined) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
          if (argv.includes(value)) seen.push(argv);
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(code).toBe(0);
    expect(seen).toEqual([]);
    expect(SecretStore.open().get(shared('GITHUB_TOKEN'))).toBe(value);
  });

  it('refuses a value given as an argument, two lines of stdin or an empty value, and stores nothing', () => {
    const argv = agor(['secret', 'set', 'GITHUB_TOKEN', 'ghp_inargv'], 'x');
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('never taken from the command line');
    const two = agor(['secret', 'set', 'GITHUB_TOKEN'], 'first\nsecond\n');
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('more than one line');
    for (const empty of ['', '\n']) {
      const r = agor(['secret', 'set', 'GITHUB_TOKEN'], empty);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('empty');
    }
    expect(agor(['secret', 'set', 'lower-case'], 'v').code).toBe(2);
    expect(SecretStore.open().get(shared('GITHUB_TOKEN'))).toBeNull();
    expect(JSON.parse(agor(['secret', 'list', '--json']).stdout)).toEqual([]);
  });
});

describe('agor secret check', () => {
  it('exits 1 naming each secret agor.yaml names that the keyring lacks, and 0 once all are present', () => {
    const before = agor(['secret', 'check']);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('missing GITHUB_TOKEN for agent a');
    expect(before.stdout).toContain('missing OTHER_TOKEN for agent a (as GH)');
    expect(agor(['secret', 'set', 'GITHUB_TOKEN'], 'shared-token-value').code).toBe(0);
    // The agent's own scope counts as present too.
    expect(agor(['secret', 'set', 'OTHER_TOKEN', '--agent', 'a'], 'agent-token-value').code).toBe(0);
    const after = agor(['secret', 'check', '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual({ group, keyring: { ok: true }, named: 2, missing: [], system: [], ok: true });
    expect(after.stdout).not.toContain('token-value');
  });

  it('exits 1 when an agent names a system secret, which agor never hands to an agent', () => {
    expect(agor(['secret', 'set', 'GITHUB_TOKEN', '--system'], 'system-token-value').code).toBe(0);
    expect(agor(['secret', 'set', 'OTHER_TOKEN', '--agent', 'a'], 'agent-token-value').code).toBe(0);
    const r = agor(['secret', 'check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("system GITHUB_TOKEN for agent a: agor's own secret, never handed to an agent");
  });
});
