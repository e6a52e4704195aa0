import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../src/supervisor/doctor.js';
import { AGOR, group, sh } from '../agor/fixture.js';

/** agor doctor in the group's directory (where its agor.yaml is), with extra environment. */
function doctor(dir: string, db: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [AGOR, 'doctor', '--db', db, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TEAM = {
  agents: {
    plain: { command: sh('sleep 1000') },
    strict: { command: sh('sleep 1000'), sandbox: { mode: 'required', network: { connect: [443] } }, limits: { memory: '200M', pids: 64 } },
    open: { command: sh('sleep 1000'), sandbox: 'off' },
  },
};

describe.concurrent('agor doctor', () => {
  it('reports the kernel, the helper, cgroups, users, SQLite, the database and the control socket, and exits 0 when every agent can run', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished, TEAM);
    await g.up();
    const r = doctor(g.dir, g.db, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as DoctorReport;
    expect(rep.kernel.landlock_abi).toBeGreaterThanOrEqual(1);
    expect(rep.kernel.landlock_net).toBe(rep.kernel.landlock_abi >= 4);
    expect(rep.kernel.seccomp_filter).toBe(true);
    expect(rep.helper).toEqual({ path: join(AGOR, '..', 'agor-sandbox'), works: true });
    expect(rep.cgroups.version).not.toBe('none');
    expect(rep.users.run_as_other_users).toBe(process.getuid?.() === 0);
    expect(rep.sqlite.version).toMatch(/^3\.\d+\.\d+$/);
    expect(rep.sqlite.wal).toBe(true);
    expect(rep.database).toMatchObject({ path: g.db, exists: true, mode: '0600', shared: false, journal_mode: 'wal' });
    expect(rep.control_socket).toMatchObject({ path: g.socket, exists: true, mode: '0600' });
    expect(rep.config.file).toBe(g.file);
    expect(rep.agents.map((a) => [a.agent, a.ok])).toEqual([
      ['plain', true],
      ['strict', true],
      ['open', true],
    ]);
    expect(rep.agents.find((a) => a.agent === 'strict')!.sandbox).toMatch(/net connect 443.*cgroup memory 200M pids 64/);
    expect(rep.ok).toBe(true);

    const human = doctor(g.dir, g.db, []);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/landlock\s+ABI \d/);
    expect(human.stdout).toMatch(/control socket\s+.*mode 0600/);
    expect(human.stdout).toMatch(/the configured agents can run as configured/);
  });

  it('exits 1 and names each agent that cannot run as configured, and why', ({ onTestFinished }) => {
    const g = group(onTestFinished, TEAM);
    // A kernel without network rules: the agent that requires them cannot run.
    const old = doctor(g.dir, g.db, [], { AGOR_SANDBOX_MAX_ABI: '3' });
    expect(old.code).toBe(1);
    expect(old.stdout).toMatch(/FAIL strict: .*\n\s+sandbox mode is required, but network rules need Landlock ABI 4 and the kernel has ABI 3/);
    expect(old.stdout).toMatch(/ok\s+plain/);
    expect(old.stdout).toMatch(/some agents cannot run as configured/);

    // No helper: every sandboxed agent is refused; the one with sandbox: off is not.
    const r = doctor(g.dir, g.db, ['--json'], { AGOR_SANDBOX_HELPER: join(g.dir, 'missing') });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as DoctorReport;
    expect(rep.helper).toEqual({ path: null, works: false });
    expect(Object.fromEntries(rep.agents.map((a) => [a.agent, a.ok]))).toEqual({ plain: false, strict: false, open: true });
    expect(rep.agents[0]!.problems[0]).toMatch(/agor-sandbox is missing: run npm run build/);
  });

  it('reports the machine alone, exit 0, where there is no agor.yaml; a broken one is exit 1 with its error', ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const none = doctor(g.dir, g.db, ['--json']);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ config: { file: null, error: null }, agents: [], database: { exists: false } });
    g.write('group: g\nagents:\n  a:\n    command: [sh]\n    sandbox: { mode: sometimes }\n');
    const bad = doctor(g.dir, g.db, []);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/cannot read the configuration: .*agor\.yaml:5: agents\.a\.sandbox\.mode/);
  });

  it("warns that agents of one Unix user can read each other's secrets from /proc/PID/environ", ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { keeper: { command: sh('sleep 1000'), secrets: ['GITHUB_TOKEN'] }, other: { command: sh('sleep 1000') } } });
    const r = doctor(g.dir, g.db, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as DoctorReport;
    expect(rep.agents.find((a) => a.agent === 'keeper')!.warnings).toContain(
      'its secrets are in its environment, which other can read too (/proc/PID/environ, the same Unix user): give the agents a user: of their own',
    );
    expect(rep.agents.find((a) => a.agent === 'other')!.warnings).toEqual([]);
  });
});
