import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const helper = join(process.cwd(), 'dist/agor-sandbox');
const run = (...args: string[]) => spawnSync(helper, args, { encoding: 'utf8' });

describe('agor-sandbox --probe', () => {
  it('prints one JSON line of what the kernel offers, with the Landlock ABI this kernel reports', () => {
    const r = run('--probe');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const p = JSON.parse(lines[0]!) as { landlock_abi: number; landlock_unavailable: string | null; seccomp_filter: boolean; no_new_privs: boolean };
    expect(Number.isInteger(p.landlock_abi)).toBe(true);
    // An ABI, or none with the reason; never both.
    if (p.landlock_abi > 0) expect(p.landlock_unavailable).toBeNull();
    else expect(p.landlock_unavailable).toMatch(/\S/);
    // The kernel's own word on seccomp: /proc/self/status has a Seccomp line where it is built in.
    const status = readFileSync('/proc/self/status', 'utf8');
    expect(p.seccomp_filter).toBe(/^Seccomp_filters:/m.test(status) || /^Seccomp:/m.test(status));
    expect(p.no_new_privs).toBe(/^NoNewPrivs:/m.test(status));
  });

  it('refuses anything else with a usage line on stderr and exit 2', () => {
    for (const args of [[], ['--prob'], ['--probe', 'extra']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^usage: agor-sandbox --probe/m);
    }
  });
});
