import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { userError } from '../../helpers/errors.js';
import { type AgentConfig, ConfigError, parseConfig } from '../../../src/supervisor/config.js';
import { findGroup, findUser, formatSize, groupsOf, parseSize } from '../../../src/supervisor/sandbox-config.js';

// A home directory of our own, so that `~`, and the refusal of the home directory, are checked
// against a tree this test owns: <root>/home/op, with the project at <root>/home/op/proj.
let root: string;
let home: string;
let proj: string;
let file: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'agor-sandbox-config-'));
  home = join(root, 'home', 'op');
  proj = join(home, 'proj');
  mkdirSync(proj, { recursive: true });
  symlinkSync(home, join(root, 'link-to-home'));
  file = join(proj, 'agor.yaml');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** agor.yaml with one agent `w` whose extra lines are `lines` (indented under it); they start at line 5. */
const yaml = (...lines: string[]) => `group: g\nagents:\n  w:\n    command: [sh]\n${lines.map((l) => `    ${l}\n`).join('')}`;

function agent(...lines: string[]): AgentConfig {
  vi.stubEnv('HOME', home);
  try {
    return parseConfig(yaml(...lines), file).agents[0]!;
  } finally {
    vi.unstubAllEnvs();
  }
}

/** The ConfigError agor.yaml with these lines is refused with. */
const error = (...lines: string[]): ConfigError => userError(() => agent(...lines)) as ConfigError;

describe('sandbox: in agor.yaml', () => {
  it('is on, best-effort, with all network and Unix sockets denied, when the key is absent', () => {
    const a = agent();
    expect(a.sandbox).toEqual({ mode: 'best-effort', read: [], write: [], network: null, unixSockets: 'deny' });
    expect(a.limits).toEqual({ memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: null });
    expect(a.runAs).toBeNull();
  });

  it('reads the block of the documentation, expanding ~ to HOME and resolving relative paths against the cwd', () => {
    const a = agent(
      'sandbox:',
      '  mode: required',
      '  read: [~/.claude]',
      '  write: [../shared-out]',
      '  network: none',
      '  unix_sockets: deny',
      'limits:',
      '  memory: 2G',
      '  pids: 512',
      '  cpu_time: 2h',
      '  open_files: 4096',
    );
    expect(a.sandbox).toEqual({
      mode: 'required',
      read: [join(home, '.claude')],
      write: [join(home, 'shared-out')],
      network: { connect: [], bind: [] },
      unixSockets: 'deny',
    });
    expect(a.limits).toEqual({ memoryBytes: 2 * 2 ** 30, pids: 512, cpuTimeSec: 7200, openFiles: 4096 });
  });

  it('takes `sandbox: off` as mode off, and an empty block as the defaults', () => {
    expect(agent('sandbox: off').sandbox.mode).toBe('off');
    expect(agent('sandbox: { mode: off }').sandbox.mode).toBe('off');
    expect(agent('sandbox:').sandbox.mode).toBe('best-effort');
    expect(agent('sandbox: { mode: best-effort, unix_sockets: allow }').sandbox).toMatchObject({ mode: 'best-effort', unixSockets: 'allow' });
  });

  it('reads network as all, none, or the TCP ports to connect to and bind', () => {
    expect(agent('sandbox: { network: all }').sandbox.network).toBeNull();
    expect(agent('sandbox: { network: none }').sandbox.network).toEqual({ connect: [], bind: [] });
    expect(agent('sandbox: { network: { connect: [443, 11434] } }').sandbox.network).toEqual({ connect: [443, 11434], bind: [] });
    expect(agent('sandbox: { network: { connect: [1], bind: [65535] } }').sandbox.network).toEqual({ connect: [1], bind: [65535] });
    expect(agent('sandbox: { network: { connect: [], bind: [] } }').sandbox.network).toEqual({ connect: [], bind: [] });
  });

  it('accepts absolute paths, leading ../, paths that do not exist yet, and the same path twice', () => {
    const a = agent('sandbox:', '  read: [/opt/tools, ../../shared, ~/.config/tool/, ~/.claude, ~/.claude]', '  write: [out/logs, ../sibling]');
    expect(a.sandbox.read).toEqual(['/opt/tools', join(root, 'home', 'shared'), join(home, '.config/tool'), join(home, '.claude'), join(home, '.claude')]);
    expect(a.sandbox.write).toEqual([join(proj, 'out/logs'), join(home, 'sibling')]);
  });

  it.each([
    ['a mode that does not exist', ['sandbox: { mode: strict }'], 5, "agents.w.sandbox.mode: must be one of required, best-effort, off (got 'strict')"],
    ['sandbox: false', ['sandbox: false'], 5, 'agents.w.sandbox: must be a mapping, or off (got false)'],
    ['an unknown key in the block', ['sandbox:', '  mode: required', '  exec: [/opt]'], 7, 'agents.w.sandbox.exec: unknown key'],
    [
      'unix_sockets that is neither deny nor allow',
      ['sandbox: { unix_sockets: maybe }'],
      5,
      "agents.w.sandbox.unix_sockets: must be one of deny, allow (got 'maybe')",
    ],
    ['network: false', ['sandbox:', '  network: false'], 6, 'agents.w.sandbox.network: must be none, all or a mapping of connect and bind ports (got false)'],
    ['an unknown key under network', ['sandbox:', '  network: { connect: [443], listen: [80] }'], 6, 'agents.w.sandbox.network.listen: unknown key'],
    ['port 0', ['sandbox:', '  network: { connect: [0] }'], 6, 'agents.w.sandbox.network.connect[0]: must be a whole number from 1 to 65535'],
    ['port 70000', ['sandbox:', '  network: { connect: [443, 70000] }'], 6, 'agents.w.sandbox.network.connect[1]: must be a whole number from 1 to 65535'],
    ['port 443a', ['sandbox:', '  network:', '    bind: [443a]'], 7, 'agents.w.sandbox.network.bind[0]: must be a whole number from 1 to 65535'],
    ['port -1', ['sandbox:', '  network:', '    bind:', '      - -1'], 8, 'agents.w.sandbox.network.bind[0]: must be a whole number from 1 to 65535'],
    ['ports given as one number', ['sandbox: { network: { connect: 443 } }'], 5, 'agents.w.sandbox.network.connect: must be a list of TCP ports'],
    ['paths given as one string', ['sandbox: { read: /opt }'], 5, 'agents.w.sandbox.read: must be a list of paths'],
    ['a path that is not a string', ['sandbox: { read: [42] }'], 5, 'agents.w.sandbox.read[0]: must be a path'],
    ['a path holding a NUL byte', ['sandbox: { read: ["/opt\\0x"] }'], 5, 'agents.w.sandbox.read[0]: must not contain a NUL byte'],
  ])('refuses %s, naming file, line and key', (_what, lines, line, message) => {
    expect(error(...lines).message).toBe(`${file}:${line}: ${message}`);
  });

  it('says how to turn the sandbox off to someone who writes sandbox: false', () => {
    expect(error('sandbox: false').hint).toContain('sandbox: off');
  });

  it.each([
    ['a/../../b', '../b'],
    ['./x/..', '.'],
    ['./x', 'x'],
    ['x/./y', 'x/y'],
    ['x//y', 'x/y'],
    ['/opt/../etc', '/etc'],
    ['~/../x', '~/x'],
  ])('refuses the confusing relative path %s and hints at the plain one', (path, plain) => {
    const e = error('sandbox:', '  write:', '    - out', `    - ${path}`);
    expect(e.message).toBe(`${file}:8: agents.w.sandbox.write[1]: '${path}' is not written plainly (a '.' or '//' in it, or '..' after a name)`);
    expect(e.hint).toContain(plain === '.' ? 'the cwd itself' : plain);
  });

  it.each([
    ['~', 'is your home directory'],
    ['~/', 'is your home directory'],
    ['..', 'is your home directory'],
    ['/', 'is the root directory /'],
    ['../..', 'holds your home directory'],
    ['LINK', 'is your home directory'],
  ])('refuses %s in read or write, since Landlock can only allow', (path, says) => {
    const p = path === 'LINK' ? join(root, 'link-to-home') : path;
    for (const key of ['read', 'write']) {
      const e = error('sandbox:', `  ${key}: [/opt, "${p}"]`);
      expect(e.message).toContain(`${file}:6: agents.w.sandbox.${key}[1]: '${p}' ${says}`);
      expect(e.hint).toMatch(/Landlock can only allow/);
    }
  });

  it('refuses a plain ~, which YAML reads as null, as the home directory, in a list or alone', () => {
    expect(error('sandbox:', '  write: [/opt, ~]').message).toBe(`${file}:6: agents.w.sandbox.write[1]: '~' is your home directory ${home}`);
    expect(error('sandbox:', '  read: ~').message).toBe(`${file}:6: agents.w.sandbox.read: '~' is your home directory ${home}`);
  });

  it('refuses ~user, which agor does not expand', () => {
    expect(error('sandbox: { read: [~bob/.claude] }').message).toBe(`${file}:5: agents.w.sandbox.read[0]: '~bob/.claude': ~user is not expanded`);
  });
});

describe('limits: in agor.yaml', () => {
  it.each([
    ['2G', 2 * 2 ** 30],
    ['512M', 512 * 2 ** 20],
    ['100K', 100 * 1024],
    ['1g', 2 ** 30],
    ['2GiB', 2 * 2 ** 30],
    ['3gb', 3 * 2 ** 30],
    ['1T', 2 ** 40],
    ['1.5G', 1.5 * 2 ** 30],
    ['4096B', 4096],
    ['1048576', 2 ** 20],
  ])('reads memory: %s as %d bytes', (text, bytes) => {
    expect(agent(`limits: { memory: ${text} }`).limits.memoryBytes).toBe(bytes);
  });

  it('reads cpu_time in the duration grammar, as whole seconds rounded up', () => {
    expect(agent('limits: { cpu_time: 90 }').limits.cpuTimeSec).toBe(90);
    expect(agent('limits: { cpu_time: 15m }').limits.cpuTimeSec).toBe(900);
    expect(agent('limits: { cpu_time: 1.5s }').limits.cpuTimeSec).toBe(2);
  });

  it('leaves out what it is not given', () => {
    expect(agent('limits: { open_files: 16 }').limits).toEqual({ memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: 16 });
    expect(agent('limits:').limits).toEqual({ memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: null });
  });

  it.each([
    ['memory: 0', 'memory: must be more than 0 (got 0)'],
    ['memory: -1G', 'memory: must be more than 0 (got -1G)'],
    ['memory: -5', 'memory: must be more than 0 (got -5)'],
    ['memory: 0G', 'memory: must be more than 0 (got 0G)'],
    ['memory: 2X', 'memory: must be a size (got "2X")'],
    ['pids: 0', 'pids: must be a whole number from 1 to 4194304'],
    ['pids: -1', 'pids: must be a whole number from 1 to 4194304'],
    ['cpu_time: 0', 'cpu_time: must be between 1s and 365d (got 0s)'],
    ['cpu_time: 500ms', 'cpu_time: must be between 1s and 365d (got 500ms)'],
    ['cpu_time: -1h', 'cpu_time: must be a duration'],
    ['open_files: 15', 'open_files: must be a whole number from 16 to 1048576'],
    ['open_files: 2000000', 'open_files: must be a whole number from 16 to 1048576'],
    ['memroy: 2G', 'memroy: unknown key'],
  ])('refuses %s, naming file, line and key', (line, message) => {
    const other = line.startsWith('cpu_time') ? 'pids: 10' : 'cpu_time: 1h';
    expect(error('limits:', `  ${other}`, `  ${line}`).message).toContain(`${file}:7: agents.w.limits.${message}`);
  });

  it('formats and parses sizes both ways', () => {
    expect([2 ** 31, 3 * 2 ** 20, 1000, 2 ** 40, 1536].map(formatSize)).toEqual(['2G', '3M', '1000', '1T', '1536']);
    expect(parseSize(' 2 G ')).toBe(2 ** 31);
    expect(parseSize('2 GB extra')).toBeUndefined();
    expect(parseSize('G')).toBeUndefined();
  });
});

describe('user: and group: in agor.yaml', () => {
  // These run as root, as agor must for user:; the refusal for anyone else runs the real
  // CLI as nobody (tests/integration/agor/run-as.test.ts).
  const asRoot = process.geteuid?.() === 0;

  it.skipIf(!asRoot)('resolves a user by name or uid from /etc/passwd, with its group, groups and home', () => {
    const byName = agent('user: nobody').runAs;
    expect(byName).toEqual({ user: 'nobody', uid: 65534, gid: 65534, groups: [65534], home: '/nonexistent' });
    expect(agent('user: 65534').runAs).toEqual(byName);
    expect(agent('user: "65534"').runAs).toEqual(byName);
  });

  it.skipIf(!asRoot)('takes group: by name or gid in place of the primary group, and alone runs as root with that group', () => {
    expect(agent('user: nobody', 'group: users').runAs).toEqual({ user: 'nobody', uid: 65534, gid: 100, groups: [100], home: '/nonexistent' });
    expect(agent('user: nobody', 'group: 100').runAs?.gid).toBe(100);
    expect(agent('group: users').runAs).toMatchObject({ user: 'root', uid: 0, gid: 100 });
  });

  it.skipIf(!asRoot)('refuses a user or group that does not exist, naming the line', () => {
    expect(error('user: no-such-user-9z').message).toBe(`${file}:5: agents.w.user: no user "no-such-user-9z" in /etc/passwd`);
    expect(error('user: 4000000').message).toBe(`${file}:5: agents.w.user: no user 4000000 in /etc/passwd`);
    expect(error('user: nobody', 'group: no-such-group-9z').message).toBe(`${file}:6: agents.w.group: no group "no-such-group-9z" in /etc/group`);
    expect(error('user:').message).toBe(`${file}:5: agents.w.user: must be a user name or a numeric uid`);
    expect(error('user: [a]').message).toBe(`${file}:5: agents.w.user: must be a user name or a numeric uid`);
  });

  it('reads users and groups as getent would, supplementary groups included', () => {
    const passwd = '# comment\nroot:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n';
    const group = 'root:x:0:\nalice:x:1000:\ndocker:x:998:bob,alice\nusers:x:100:\nwheel:x:10:bob\n';
    expect(findUser(passwd, 'alice')).toEqual({ name: 'alice', uid: 1000, gid: 1000, home: '/home/alice' });
    expect(findUser(passwd, 1000)?.name).toBe('alice');
    expect(findUser(passwd, '0')?.name).toBe('root');
    expect(findUser(passwd, 'bob')).toBeUndefined();
    expect(findGroup(group, 'docker')).toBe(998);
    expect(findGroup(group, 100)).toBe(100);
    expect(findGroup(group, 'nope')).toBeUndefined();
    expect(groupsOf(group, 'alice', 1000)).toEqual([998, 1000]);
    expect(groupsOf(group, 'alice', 100)).toEqual([100, 998]);
    expect(groupsOf(group, 'bob', 100)).toEqual([10, 100, 998]);
  });
});
