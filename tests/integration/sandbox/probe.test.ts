import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const helper = join(process.cwd(), 'dist/agor-sandbox');
const run = (...args: string[]) => spawnSync(helper, args, { encoding: 'utf8' });

interface Probe {
  landlock_abi: number;
  landlock_unavailable: string | null;
  landlock_net: boolean;
  seccomp_filter: boolean;
  no_new_privs: boolean;
}
const probe = (...args: string[]) => JSON.parse(run(...args).stdout) as Probe;
const realAbi = probe('--probe').landlock_abi;

describe('agor-sandbox --probe', () => {
  it('prints one JSON line of what the kernel offers, with the Landlock ABI this kernel reports', () => {
    const r = run('--probe');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const p = JSON.parse(lines[0]!) as Probe;
    expect(Number.isInteger(p.landlock_abi)).toBe(true);
    // TCP port rules came with ABI 4.
    expect(p.landlock_net).toBe(p.landlock_abi >= 4);
    // An ABI, or none with the reason; never both.
    if (p.landlock_abi > 0) expect(p.landlock_unavailable).toBeNull();
    else expect(p.landlock_unavailable).toMatch(/\S/);
    // The kernel's own word on seccomp: /proc/self/status has a Seccomp line where it is built in.
    const status = readFileSync('/proc/self/status', 'utf8');
    expect(p.seccomp_filter).toBe(/^Seccomp_filters:/m.test(status) || /^Seccomp:/m.test(status));
    expect(p.no_new_privs).toBe(/^NoNewPrivs:/m.test(status));
  });

  it.skipIf(realAbi < 4)('plays an older kernel with --max-abi: the ABI is capped and network rules are gone below 4', () => {
    const old = probe('--max-abi', '3', '--probe');
    expect(old).toMatchObject({ landlock_abi: 3, landlock_unavailable: null, landlock_net: false });
    // Either order; a cap above the kernel's changes nothing.
    expect(probe('--probe', '--max-abi', '4')).toMatchObject({ landlock_abi: 4, landlock_net: true });
    expect(probe('--max-abi', '99', '--probe').landlock_abi).toBe(realAbi);
  });

  it('plays a kernel without Landlock with --max-abi 0, and says so', () => {
    const none = probe('--max-abi', '0', '--probe');
    expect(none).toMatchObject({ landlock_abi: 0, landlock_net: false });
    expect(none.landlock_unavailable).toMatch(/\S/);
  });

  it('refuses anything else with a usage line on stderr and exit 2', () => {
    for (const args of [[], ['--prob'], ['--probe', 'extra'], ['--probe', '--required'], ['--max-abi', 'x', '--probe'], ['--probe', '--', 'true']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^usage: agor-sandbox --probe/m);
    }
  });
});
