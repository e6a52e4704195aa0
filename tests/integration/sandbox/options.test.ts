import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const helper = join(process.cwd(), 'dist/agor-sandbox');

describe('agor-sandbox options', () => {
  it('checks every option before applying any: a bad value is a usage error (2) naming it, and nothing runs', () => {
    const cases: [string[], string][] = [
      [['--net-connect', '70000'], '70000'],
      [['--net-connect', '-1'], '-1'],
      [['--net-bind', '80a'], '80a'],
      [['--net-bind', '0x50'], '0x50'],
      [['--rlimit', 'nofile'], 'nofile'],
      [['--rlimit', 'memory=1'], 'memory=1'],
      [['--rlimit', 'nofile=many'], 'nofile=many'],
      [['--rlimit', 'cpu=-1'], 'cpu=-1'],
      [['--uid', 'nobody', '--gid', '65534'], 'nobody'],
      [['--uid', '65534', '--gid', '-1'], '-1'],
      [['--uid', '65534'], '--uid without --gid'],
      [['--gid', '65534'], '--gid without --uid'],
      [['--uid', '1', '--gid', '1', '--groups', '1,,2'], '1,,2'],
      [['--groups', '100'], '--groups'],
      [['--max-abi', 'three'], 'three'],
      [['--no-landlock', '--read', '/usr'], '--no-landlock'],
      [['--no-landlock', '--net-connect', '443'], '--no-landlock'],
      // A valid cgroup before a bad port: the port is refused before the cgroup is joined.
      [['--cgroup', '/nonexistent', '--net-bind', '65536'], '65536'],
    ];
    for (const [flags, named] of cases) {
      const r = spawnSync(helper, [...flags, '--', 'sh', '-c', 'echo ran'], { encoding: 'utf8' });
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stdout, flags.join(' ')).toBe('');
      expect(r.stderr, flags.join(' ')).toContain(named);
      expect(r.stderr, flags.join(' ')).toMatch(/^usage: agor-sandbox/m);
    }
  });

  it('accepts the edges of each range: ports 0 and 65535, the largest finite limit', () => {
    for (const flags of [
      ['--read', '/', '--net-connect', '0', '--net-bind', '65535'],
      ['--no-landlock', '--rlimit', 'data=18446744073709551614'],
    ]) {
      const r = spawnSync(helper, [...flags, '--', 'true'], { encoding: 'utf8' });
      expect(r.stderr, flags.join(' ')).toBe('');
      expect(r.status, flags.join(' ')).toBe(0);
    }
  });
});
