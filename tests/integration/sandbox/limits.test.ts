import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';

const helper = join(process.cwd(), 'dist/agor-sandbox');
const SYSTEM = ['/usr', '/bin', '/lib', '/lib64', '/etc', '/proc', '/dev'].filter((p) => existsSync(p)).flatMap((p) => ['--read', p]);
const sh = (script: string, ...flags: string[]) => spawnSync(helper, [...flags, '--', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
const root = process.getuid?.() === 0;

/** Where this process sits in the cgroup v2 hierarchy: the mount point plus its own path ("0::PATH"), or null. */
function ownCgroupV2(): string | null {
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4];
  const path = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
  return mount && path !== undefined ? join(mount, path) : null;
}
const cgroupV2 = ownCgroupV2();

describe('agor-sandbox --rlimit', () => {
  it('gives the program the open-files limit it was asked for, soft and hard', () => {
    const r = sh('ulimit -n; ulimit -Hn', ...SYSTEM, '--rlimit', 'nofile=64');
    expect(r.stdout).toBe('64\n64\n');
    expect(r.status).toBe(0);
  });

  it('ends a busy loop once it has used its CPU time', () => {
    const r = sh('while :; do :; done', ...SYSTEM, '--rlimit', 'cpu=1');
    // SIGXCPU at the limit (the hard limit is a second above it, for a program that ignores it).
    expect(r.signal).toBe('SIGXCPU');
  });

  it('sets several limits at once', () => {
    const r = sh('ulimit -n; ulimit -d; ulimit -t', ...SYSTEM, '--rlimit', 'nofile=100', '--rlimit', `data=${512 * 1024 * 1024}`, '--rlimit', 'cpu=3600');
    expect(r.stdout).toBe(`100\n${512 * 1024}\n3600\n`);
  });
});

describe('agor-sandbox --uid and --gid', () => {
  it('runs the program as that user and group, with none of root’s groups, so root’s files stay closed', ({ skip }) => {
    skip(!root, 'only root may change user');
    const r = sh('id -u; id -g; id -G; ls /root', '--no-landlock', '--uid', '65534', '--gid', '65534');
    expect(r.stdout).toBe('65534\n65534\n65534\n');
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.status).not.toBe(0);
  });

  it('gives the program the supplementary groups of --groups', ({ skip }) => {
    skip(!root, 'only root may change groups');
    const r = sh('id -G', '--no-landlock', '--uid', '65534', '--gid', '65534', '--groups', '65534,100');
    expect(r.stdout.trim().split(' ').sort()).toEqual(['100', '65534']);
  });

  it('fails with 125, naming what, when this process may not change user', ({ skip }) => {
    skip(root, 'root may change user');
    const r = sh('echo ran', '--no-landlock', '--uid', '65534', '--gid', '65534');
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot set the (supplementary groups|group id|user id)/);
  });
});

describe('agor-sandbox --no-landlock', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('applies no file policy: the program writes where it likes', () => {
    dir = mkdtempSync(join(tmpdir(), 'agor-sandbox-'));
    const r = sh(`echo here > ${dir}/out && cat ${dir}/out`, '--no-landlock', '--deny-unix-sockets');
    expect(r.stdout).toBe('here\n');
    expect(r.status).toBe(0);
  });
});

describe('agor-sandbox --cgroup', () => {
  let made: string | undefined;
  let pid: number | undefined;
  afterEach(async () => {
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    // A cgroup can be removed once the kernel has seen its last process go.
    if (made) {
      const dir = made;
      await waitFor(
        `rmdir ${dir}`,
        () => {
          try {
            rmdirSync(dir);
            return true;
          } catch (e) {
            return (e as NodeJS.ErrnoException).code === 'ENOENT';
          }
        },
        (gone) => gone,
      );
    }
    made = pid = undefined;
  });

  it('puts the program in that cgroup before it starts (cgroup v2)', async ({ skip }) => {
    skip(!cgroupV2, 'no cgroup v2 hierarchy mounted');
    skip(!root, 'making a cgroup needs root or a delegated subtree');
    made = join(cgroupV2!, `agor-sandbox-test-${process.pid}`);
    mkdirSync(made);
    const child = spawn(helper, [...SYSTEM, '--cgroup', made, '--', 'sleep', '60'], { stdio: 'ignore' });
    pid = child.pid!;
    await waitFor(
      `the program in ${made}`,
      () => /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1],
      (p) => p !== undefined && p.endsWith(`/agor-sandbox-test-${process.pid}`),
    );
    expect(readFileSync(join(made, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(pid));
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => child.once('close', r));
  });

  it('fails with 125, naming the directory, and runs nothing when the cgroup cannot be joined', () => {
    const missing = join(tmpdir(), `agor-no-such-cgroup-${process.pid}`);
    const r = sh('echo ran', ...SYSTEM, '--cgroup', missing);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(missing);
  });
});
