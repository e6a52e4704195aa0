import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Limits, RunAs, SandboxConfig } from '../../../src/sandbox/policy.js';
import { type CgroupFacts, type PlanInput, type Probe, parseProbe, sandboxPlan } from '../../../src/sandbox/plan.js';

const ROOT = realpathSync(resolve(import.meta.dirname, '..', '..', '..'));
const HELPER = join(ROOT, 'dist', 'agor-sandbox');
const COMMAND = ['sh', '-c', 'echo "$1" -- x', 'sh', '--'];

const ABI7: Probe = { landlockAbi: 7, seccomp: true };
const ABI3: Probe = { landlockAbi: 3, seccomp: true };
const NO_LANDLOCK: Probe = { landlockAbi: 0, seccomp: true, landlockUnavailable: 'Landlock is disabled at boot' };
const NO_SECCOMP: Probe = { landlockAbi: 7, seccomp: false };
const NO_CGROUP: CgroupFacts = { dirs: [], memory: false, pids: false };
const NOBODY: RunAs = { user: 'nobody', uid: 65534, gid: 65534, groups: [65534], home: '/nonexistent' };

let dir: string;
let cwd: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'agor-plan-'));
  home = join(dir, 'home');
  cwd = join(home, 'proj');
  for (const d of [cwd, join(dir, 'tmp'), join(dir, 'data'), join(dir, 'extra-read'), join(dir, 'extra-write')]) mkdirSync(d, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Over {
  sandbox?: Partial<SandboxConfig>;
  limits?: Partial<Limits>;
  runAs?: RunAs | null;
  cwd?: string;
  probe?: Probe;
  cgroup?: CgroupFacts;
  maxAbi?: number;
  resolvConf?: string;
}

function plan(o: Over = {}) {
  const input: PlanInput = {
    agent: {
      sandbox: { mode: 'best-effort', read: [], write: [], network: null, unixSockets: 'deny', ...o.sandbox },
      limits: { memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: null, ...o.limits },
      runAs: o.runAs ?? null,
      cwd: o.cwd ?? cwd,
      env: {},
    },
    command: COMMAND,
    probe: o.probe ?? ABI7,
    helper: HELPER,
    paths: {
      tmpdir: join(dir, 'tmp'),
      dataDir: join(dir, 'data'),
      nodeBin: realpathSync(process.execPath),
      agorRoot: ROOT,
      home,
    },
    cgroup: o.cgroup ?? NO_CGROUP,
    ...(o.maxAbi !== undefined ? { maxAbi: o.maxAbi } : {}),
    ...(o.resolvConf ? { resolvConf: o.resolvConf } : {}),
  };
  const p = sandboxPlan(input);
  const end = p.argv.indexOf('--');
  const flags = end < 0 ? [] : p.argv.slice(1, end);
  /** The values that follow each `flag`, in order. */
  const values = (flag: string) => flags.flatMap((f, i) => (f === flag ? [flags[i + 1]!] : []));
  return { ...p, flags, values, has: (flag: string) => flags.includes(flag) };
}

describe('the sandbox plan of a run', () => {
  it('runs the command through the helper, after every flag and one --', () => {
    const p = plan();
    expect(p.argv[0]).toBe(HELPER);
    expect(p.argv.slice(p.flags.length + 2)).toEqual(COMMAND);
    expect(p.env).toEqual({ TMPDIR: join(dir, 'tmp') });
    expect(p.refusal).toBeNull();
    expect(p.warnings).toEqual([]);
  });

  it('allows by default writing the cwd, TMPDIR, the data directory and the terminal devices, and reading the system, node, agor and the program', () => {
    const p = plan();
    expect(p.values('--write')).toEqual(
      [cwd, join(dir, 'tmp'), join(dir, 'data'), '/dev/null', '/dev/tty', '/dev/pts', '/dev/ptmx'].filter((x, i) => i < 3 || existsSync(x)),
    );
    const read = p.values('--read');
    const system = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/proc', '/dev'];
    expect(read.slice(0, system.filter((s) => existsSync(s)).length)).toEqual(system.filter((s) => existsSync(s)));
    expect(read).toContain(realpathSync(process.execPath));
    expect(read).toContain(ROOT);
    expect(read).toContain(realpathSync('/bin/sh'));
    // Only paths that are there: the helper would refuse one that is not.
    expect(read.every((r) => existsSync(r))).toBe(true);
    expect(new Set(read).size).toBe(read.length);
    expect(p.has('--deny-unix-sockets')).toBe(true);
    expect(p.has('--required')).toBe(false);
    expect(p.has('--net-restrict')).toBe(false);
    expect(p.has('--no-landlock')).toBe(false);
    expect(p.inForce.summary).toBe('landlock abi 7: fs, net all; unix sockets denied');
  });

  it('adds the listed paths after the defaults', () => {
    const p = plan({ sandbox: { read: [join(dir, 'extra-read')], write: [join(dir, 'extra-write')] } });
    expect(p.values('--read').at(-1)).toBe(join(dir, 'extra-read'));
    expect(p.values('--write').at(-1)).toBe(join(dir, 'extra-write'));
  });

  it('allows the directory of a resolv.conf that links out of /etc, which resolvers replace by rename', () => {
    const resolvDir = join(dir, 'run-resolve');
    mkdirSync(resolvDir, { recursive: true });
    writeFileSync(join(resolvDir, 'stub-resolv.conf'), 'nameserver 127.0.0.53\n');
    symlinkSync(join(resolvDir, 'stub-resolv.conf'), join(dir, 'resolv.conf'));
    expect(plan({ resolvConf: join(dir, 'resolv.conf') }).values('--read')).toContain(resolvDir);
  });

  it('refuses to start under required when a listed path is missing, naming it; best-effort leaves it out with a warning', () => {
    const p = plan({ sandbox: { mode: 'required', write: [join(dir, 'not-made')] } });
    expect(p.refusal).toBe(`sandbox.write: ${join(dir, 'not-made')} does not exist (create it, or take it out of the list)`);
    expect(p.argv).toEqual([]);
    const q = plan({ sandbox: { mode: 'best-effort', write: [join(dir, 'not-made')] } });
    expect(q.refusal).toBeNull();
    expect(q.values('--write')).not.toContain(join(dir, 'not-made'));
    expect(q.warnings).toContain(`sandbox.write: ${join(dir, 'not-made')} does not exist, so it is left out of the sandbox until it does`);
    expect(plan({ sandbox: { mode: 'off', read: [join(dir, 'not-made')] } }).refusal).toBeNull();
  });

  it('refuses a listed path that has become a link to the home directory since agor.yaml was read', () => {
    symlinkSync(home, join(dir, 'sneaky'));
    expect(plan({ sandbox: { read: [join(dir, 'sneaky')] } }).refusal).toBe(
      `sandbox.read: ${join(dir, 'sneaky')} leads to ${realpathSync(home)}, which would open the whole home directory`,
    );
  });

  it('warns when the cwd is the home directory, which the sandbox then opens to the agent', () => {
    expect(plan({ cwd: home }).warnings).toEqual([`the agent's cwd ${home} holds the home directory ${home}: the sandbox lets the agent write anything in it`]);
  });

  it('passes --required in mode required', () => {
    const p = plan({ sandbox: { mode: 'required' } });
    expect(p.has('--required')).toBe(true);
    expect(p.refusal).toBeNull();
  });

  it('restricts TCP to the listed ports, and to none with network none', () => {
    const some = plan({ sandbox: { network: { connect: [443, 11434], bind: [8080] } } });
    expect(some.has('--net-restrict')).toBe(true);
    expect(some.values('--net-connect')).toEqual(['443', '11434']);
    expect(some.values('--net-bind')).toEqual(['8080']);
    expect(some.inForce.summary).toBe('landlock abi 7: fs, net connect 443,11434 bind 8080; unix sockets denied');
    const none = plan({ sandbox: { network: { connect: [], bind: [] } } });
    expect(none.has('--net-restrict')).toBe(true);
    expect(none.values('--net-connect')).toEqual([]);
    expect(none.inForce.network).toEqual({ connect: [], bind: [] });
    expect(none.inForce.summary).toBe('landlock abi 7: fs, net none; unix sockets denied');
  });

  it('on Landlock ABI 3, keeps the file rules, and drops network rules with a warning, or refuses in mode required', () => {
    const network = { connect: [443], bind: [] };
    const best = plan({ probe: ABI3, sandbox: { network } });
    expect(best.refusal).toBeNull();
    expect(best.has('--net-restrict') || best.has('--net-connect')).toBe(false);
    expect(best.values('--write')).toContain(cwd);
    expect(best.warnings).toEqual(['network rules need Landlock ABI 4 and the kernel has ABI 3: the network stays open']);
    expect(best.inForce).toMatchObject({ landlockAbi: 3, network: null, summary: 'landlock abi 3: fs, net all; unix sockets denied' });
    const req = plan({ probe: ABI3, sandbox: { mode: 'required', network } });
    expect(req.refusal).toBe('sandbox mode is required, but network rules need Landlock ABI 4 and the kernel has ABI 3');
    expect(req.argv).toEqual([]);
    // Without network rules, ABI 3 is all a required sandbox needs.
    expect(plan({ probe: ABI3, sandbox: { mode: 'required' } }).refusal).toBeNull();
  });

  it('without Landlock, runs with --no-landlock and a warning, or refuses in mode required, saying what the kernel lacks', () => {
    const best = plan({ probe: NO_LANDLOCK, sandbox: { network: { connect: [443], bind: [] } } });
    expect(best.has('--no-landlock')).toBe(true);
    expect(best.values('--read')).toEqual([]);
    expect(best.has('--net-restrict')).toBe(false);
    // seccomp does not need Landlock.
    expect(best.has('--deny-unix-sockets')).toBe(true);
    expect(best.warnings).toEqual(['the kernel has no Landlock (Landlock is disabled at boot): the agent runs without a file or network sandbox']);
    expect(best.inForce.summary).toBe('no landlock; unix sockets denied');
    const req = plan({ probe: NO_LANDLOCK, sandbox: { mode: 'required' } });
    expect(req.refusal).toBe('sandbox mode is required, but the kernel has no Landlock (Landlock is disabled at boot)');
  });

  it('without seccomp, leaves Unix sockets open with a warning, or refuses in mode required', () => {
    const best = plan({ probe: NO_SECCOMP });
    expect(best.has('--deny-unix-sockets')).toBe(false);
    expect(best.warnings).toEqual(['unix_sockets: deny needs seccomp filters and the kernel has none: Unix sockets stay open']);
    expect(best.inForce.summary).toBe('landlock abi 7: fs, net all; unix sockets allowed');
    expect(plan({ probe: NO_SECCOMP, sandbox: { mode: 'required' } }).refusal).toBe(
      'sandbox mode is required, but unix_sockets: deny needs seccomp filters and the kernel has none',
    );
    // Asking for nothing seccomp does, nothing is missing.
    const allow = plan({ probe: NO_SECCOMP, sandbox: { mode: 'required', unixSockets: 'allow' } });
    expect([allow.refusal, allow.warnings, allow.has('--deny-unix-sockets')]).toEqual([null, [], false]);
  });

  it('in mode off applies no Landlock and no seccomp, but still the cgroup, the limits and the user', () => {
    const bare = plan({ sandbox: { mode: 'off', network: { connect: [], bind: [] } }, probe: NO_LANDLOCK });
    expect(bare.flags).toEqual(['--no-landlock']);
    expect([bare.refusal, bare.warnings, bare.inForce.summary]).toEqual([null, [], 'off']);
    const p = plan({
      sandbox: { mode: 'off' },
      limits: { memoryBytes: 2 ** 31, openFiles: 1024 },
      cgroup: { dirs: ['/sys/fs/cgroup/memory/x'], memory: true, pids: false },
      runAs: NOBODY,
    });
    expect(p.flags).toEqual([
      '--cgroup',
      '/sys/fs/cgroup/memory/x',
      '--rlimit',
      'nofile=1024',
      '--uid',
      '65534',
      '--gid',
      '65534',
      '--groups',
      '65534',
      '--no-landlock',
    ]);
    expect(p.inForce.summary).toBe('off; cgroup memory 2G; rlimit nofile 1024; user nobody');
  });

  it('leaves memory and pids to a cgroup that enforces them, and the rest to rlimits', () => {
    const p = plan({
      limits: { memoryBytes: 2 ** 31, pids: 512, cpuTimeSec: 7200, openFiles: 4096 },
      cgroup: { dirs: ['/sys/fs/cgroup/memory/a', '/sys/fs/cgroup/pids/a'], memory: true, pids: true },
    });
    expect(p.values('--cgroup')).toEqual(['/sys/fs/cgroup/memory/a', '/sys/fs/cgroup/pids/a']);
    expect(p.values('--rlimit')).toEqual(['cpu=7200', 'nofile=4096']);
    expect(p.warnings).toEqual([]);
    expect(p.inForce).toMatchObject({ memory: { bytes: 2 ** 31, via: 'cgroup' }, pids: { max: 512, via: 'cgroup' }, cgroup: true });
    expect(p.inForce.summary).toBe('landlock abi 7: fs, net all; unix sockets denied; cgroup memory 2G pids 512; rlimit cpu 7200s nofile 4096');
  });

  it('without a cgroup, limits memory with RLIMIT_DATA, and pids with RLIMIT_NPROC only for an agent with a user of its own', () => {
    const limits = { memoryBytes: 512 * 2 ** 20, pids: 64 };
    const own = plan({ limits });
    expect(own.values('--rlimit')).toEqual([`data=${512 * 2 ** 20}`]);
    expect(own.inForce.pids).toBeNull();
    expect(own.warnings).toEqual([
      'limits.pids is not enforced: there is no pids cgroup, and RLIMIT_NPROC is no substitute (it would count every process of the user running agor); give the agent a user: of its own',
    ]);
    const other = plan({ limits, runAs: NOBODY });
    expect(other.values('--rlimit')).toEqual([`data=${512 * 2 ** 20}`, 'nproc=64']);
    expect(other.warnings).toEqual([]);
    expect(other.inForce.summary).toBe('landlock abi 7: fs, net all; unix sockets denied; rlimit data 512M nproc 64; user nobody');
    const root = plan({ limits, runAs: { ...NOBODY, user: 'root', uid: 0, gid: 0, groups: [0] } });
    expect(root.values('--rlimit')).toEqual([`data=${512 * 2 ** 20}`]);
    expect(root.warnings[0]).toContain('it does not bind root');
  });

  it('runs as the configured user, with its groups and its own HOME, USER and LOGNAME', () => {
    const p = plan({ runAs: { ...NOBODY, groups: [100, 65534] } });
    expect([p.values('--uid'), p.values('--gid'), p.values('--groups')]).toEqual([['65534'], ['65534'], ['100,65534']]);
    expect(p.env).toEqual({ TMPDIR: join(dir, 'tmp'), HOME: '/nonexistent', USER: 'nobody', LOGNAME: 'nobody' });
    expect(p.inForce.user).toBe('nobody');
  });

  it('passes --max-abi on for tests that simulate an older kernel', () => {
    expect(plan({ maxAbi: 3, probe: ABI3 }).flags.slice(0, 2)).toEqual(['--max-abi', '3']);
  });

  it('reads the probe line of agor-sandbox, with the reason Landlock is missing', () => {
    expect(parseProbe('{"landlock_abi":7,"landlock_unavailable":null,"seccomp_filter":true,"no_new_privs":true}\n')).toEqual({
      landlockAbi: 7,
      seccomp: true,
      landlockUnavailable: null,
    });
    expect(parseProbe('{"landlock_abi":-1,"landlock_unavailable":"Landlock is disabled at boot","seccomp_filter":false,"no_new_privs":true}')).toEqual({
      landlockAbi: 0,
      seccomp: false,
      landlockUnavailable: 'Landlock is disabled at boot',
    });
    expect(() => parseProbe('usage: agor-sandbox')).toThrow();
    expect(() => parseProbe('{"abi":7}')).toThrow(/not an agor-sandbox --probe line/);
  });
});
