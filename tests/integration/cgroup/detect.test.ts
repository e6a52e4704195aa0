import { readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroupMounts, ownPaths } from '../../../src/sandbox/cgroup-detect.js';
import { detectCgroups } from '../../../src/sandbox/cgroup.js';

// What the kernel says, read here independently of the module under test.
const own = new Map<string, string>();
for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
  const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line)!;
  for (const c of controllers!.split(',')) own.set(c, path!);
}
const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
  .trim()
  .split('\n')
  .map((l) => {
    const [left, right] = l.split(' - ');
    const [type, , options] = right!.split(' ');
    return { point: left!.split(' ')[4]!, type: type!, options: options!.split(',') };
  })
  .filter((m) => m.type === 'cgroup' || m.type === 'cgroup2');
const v2mount = mounts.find((m) => m.type === 'cgroup2');
const v1mount = (c: string) => mounts.find((m) => m.type === 'cgroup' && m.options.includes(c));
const dirOf = (point: string, path: string) => (path === '/' ? point : join(point, path));
const [major, minor] = release().split('.').map(Number) as [number, number];

describe('detectCgroups', () => {
  const s = detectCgroups();

  it('reports the hierarchies that /proc/self/mountinfo lists, and our own cgroup in each as /proc/self/cgroup gives it', () => {
    const anyV1 = mounts.some((m) => m.type === 'cgroup');
    expect(s.version).toBe(v2mount && anyV1 ? 'hybrid' : v2mount ? 'v2' : anyV1 ? 'v1' : 'none');
    if (v2mount) {
      expect(s.v2).toMatchObject({ mount: v2mount.point, own: own.get('')!, dir: dirOf(v2mount.point, own.get('')!) });
      expect(s.v2!.controllers).toEqual(readFileSync(join(s.v2!.dir, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean));
    } else expect(s.v2).toBeNull();
    for (const c of ['memory', 'pids', 'freezer'] as const) {
      const m = v1mount(c);
      if (m) expect(s.v1[c], c).toMatchObject({ mount: m.point, own: own.get(c)!, dir: dirOf(m.point, own.get(c)!) });
      else expect(s.v1[c], c).toBeNull();
    }
  });

  it('prefers v2 for membership, takes memory and pids from whichever hierarchy offers them, and kills with cgroup.kill from kernel 5.14', () => {
    if (s.v2?.writable) expect(s.membership).toBe(s.v2.dir);
    for (const c of ['memory', 'pids'] as const) {
      if (s.v2?.writable && s.v2.subtreeControl.includes(c)) expect(s[c], c).toBe('v2');
      else if (!s.v2?.controllers.includes(c) && s.v1[c]?.writable) expect(s[c], c).toBe('v1');
    }
    if (s.v2?.writable) expect(s.kill).toBe(major > 5 || (major === 5 && minor >= 14) ? 'cgroup.kill' : 'freezer');
    // Every gap is explained; nothing missing means nothing to explain.
    expect(s.why === null).toBe(s.membership !== null && s.memory !== null && s.pids !== null && s.kill !== 'signals');
  });

  it('leaves no probe cgroup behind', () => {
    for (const h of [s.v2, s.v1.memory, s.v1.pids, s.v1.freezer]) {
      if (h?.dir)
        expect(
          readdirSync(h.dir).filter((f) => f === `agor-probe.${process.pid}`),
          h.dir,
        ).toEqual([]);
    }
  });

  it('says why when no hierarchy is mounted', () => {
    const none = detectCgroups({ mountinfo: '', cgroup: '0::/\n' });
    expect(none).toMatchObject({ version: 'none', membership: null, memory: null, pids: null, kill: 'signals', v2: null });
    expect(none.why).toMatch(/no cgroup hierarchy is mounted/);
  });

  it.skipIf(!v2mount)('says why when our cgroup cannot have children', () => {
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(' - cgroup2 '))
      .join('\n');
    const s2 = detectCgroups({ mountinfo, cgroup: '0::/agor-no-such-cgroup\n' });
    expect(s2).toMatchObject({ version: 'v2', membership: null, memory: null, pids: null });
    expect(s2.why).toMatch(/cannot create a cgroup in .*agor-no-such-cgroup: ENOENT/);
  });

  it('reads the mount table and /proc/self/cgroup of other machines: pure v2 under systemd, v1 with joined controllers, escaped mount points', () => {
    const mountinfo = [
      '25 18 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
      '33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct',
      '34 25 0:30 /lxc/c1 /mnt/my\\040cgroups rw,relatime - cgroup cgroup rw,memory',
      '35 25 0:31 / /proc rw - proc proc rw',
    ].join('\n');
    expect(cgroupMounts(mountinfo)).toEqual([
      { root: '/', point: '/sys/fs/cgroup', type: 'cgroup2', options: ['rw', 'nsdelegate', 'memory_recursiveprot'] },
      { root: '/', point: '/sys/fs/cgroup/cpu,cpuacct', type: 'cgroup', options: ['rw', 'cpu', 'cpuacct'] },
      { root: '/lxc/c1', point: '/mnt/my cgroups', type: 'cgroup', options: ['rw', 'memory'] },
    ]);
    const own = ownPaths('12:pids:/user.slice\n4:cpu,cpuacct:/\n1:name=systemd:/user.slice/session-2.scope\n0::/user.slice/user-1000.slice/session-2.scope\n');
    expect(own.v2).toBe('/user.slice/user-1000.slice/session-2.scope');
    expect(Object.fromEntries(own.v1)).toEqual({ pids: '/user.slice', cpu: '/', cpuacct: '/', 'name=systemd': '/user.slice/session-2.scope' });
  });
});
