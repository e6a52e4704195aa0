import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, json, run, tempDb } from '../../helpers/cli.js';

let t: ReturnType<typeof tempDb>;
let env: Record<string, string>;
let unitDir: string;
beforeEach(() => {
  t = tempDb();
  const config = join(t.dir, 'config');
  env = { HOME: t.dir, XDG_CONFIG_HOME: config };
  unitDir = join(config, 'systemd', 'user');
  writeFileSync(join(t.dir, 'agor.yaml'), 'group: night-shift\nagents:\n  w:\n    command: [sh, -c, "sleep 1"]\n');
});
afterEach(() => t.cleanup());

const service = (args: string[], extra: Record<string, string> = {}) => run('agor', ['service', ...args], { db: t.db, cwd: t.dir, env: { ...env, ...extra } });

const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('agor service', () => {
  it('install writes a user unit that runs this agor.yaml and database in the foreground, and prints the systemctl lines', () => {
    const r = service(['install']);
    expect(r.code, r.stderr).toBe(0);
    const file = join(unitDir, 'agor-night-shift.service');
    expect(r.stdout).toBe(
      `wrote ${file}\nnext:\n  systemctl --user daemon-reload && systemctl --user enable --now agor-night-shift.service\n` +
        `  loginctl enable-linger "$USER"   # keeps it running while you are logged out\n`,
    );
    const unit = readFileSync(file, 'utf8');
    const script = realpathSync(join(ROOT, 'dist', 'agor.cjs'));
    expect(unit).toContain(
      `ExecStart=${process.execPath} --lite-mode --max-semi-space-size=1 ${script} up --headless -f ${join(t.dir, 'agor.yaml')} --db ${t.db}\n`,
    );
    expect(unit).toContain(`WorkingDirectory=${t.dir}\n`);
    expect(unit).toContain(`Environment="AGOR_DB=${t.db}"\n`);
    expect(unit).toMatch(/^Environment="PATH=\/\S+"$/m);
    expect(unit).toContain('Restart=on-failure\n');
    expect(unit).toContain('KillMode=process\n');
    expect(unit).toContain('WantedBy=default.target\n');
    expect(unit).not.toContain('User=');
  });

  it.skipIf(!analyze)('the unit passes systemd-analyze verify (skipped where systemd-analyze is missing)', () => {
    expect(service(['install']).code).toBe(0);
    const r = spawnSync(analyze!, ['verify', '--man=no', join(unitDir, 'agor-night-shift.service')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('quotes paths with spaces and percent signs the way systemd reads them', () => {
    const odd = join(t.dir, 'my team 100%');
    mkdirSync(odd);
    writeFileSync(join(odd, 'agor.yaml'), 'group: odd\nagents:\n  w:\n    command: [sh, -c, "sleep 1"]\n');
    const r = run('agor', ['service', 'install', '--json'], { db: join(odd, 'agor.db'), cwd: odd, env });
    expect(r.code, r.stderr).toBe(0);
    const unit = readFileSync(json<{ file: string }>(r).file, 'utf8');
    expect(unit).toContain(`"${join(t.dir, 'my team 100%%', 'agor.yaml')}"`);
    expect(unit).toContain(`WorkingDirectory=${join(t.dir, 'my team 100%%')}\n`);
    if (analyze) {
      const v = spawnSync(analyze, ['verify', '--man=no', json<{ file: string }>(r).file], { encoding: 'utf8' });
      expect(v.stderr).toBe('');
    }
  });

  it('--system --dry-run prints a system unit that runs as the invoking user, and writes nothing', () => {
    const r = service(['install', '--system', '--dry-run'], { SUDO_USER: 'alice' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# \/etc\/systemd\/system\/agor-night-shift\.service \(not written: --dry-run\)\n/);
    expect(r.stdout).toContain('\nUser=alice\n');
    expect(r.stdout).toContain('WantedBy=multi-user.target');
    expect(existsSync('/etc/systemd/system/agor-night-shift.service')).toBe(false);
    expect(existsSync(unitDir)).toBe(false);
  });

  it('refuses to replace a different unit without --force, and leaves an identical one alone', () => {
    expect(service(['install']).code).toBe(0);
    const file = join(unitDir, 'agor-night-shift.service');
    expect(service(['install']).stdout).toContain('is already up to date');
    writeFileSync(file, '[Service]\nExecStart=/bin/true\n');
    const r = service(['install']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${file} exists and differs`);
    expect(readFileSync(file, 'utf8')).toBe('[Service]\nExecStart=/bin/true\n');
    expect(service(['install', '--force']).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('KillMode=process');
  });

  it('refuses an agor.yaml that agor up would refuse, writing no unit', () => {
    writeFileSync(join(t.dir, 'agor.yaml'), 'group: night-shift\nagents:\n  w:\n    command: []\n');
    const r = service(['install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('agor.yaml:4');
    expect(existsSync(unitDir)).toBe(false);
  });

  it('uninstall removes the unit and what enable linked, and says how to stop it', () => {
    expect(service(['install']).code).toBe(0);
    const file = join(unitDir, 'agor-night-shift.service');
    mkdirSync(join(unitDir, 'default.target.wants'));
    symlinkSync(file, join(unitDir, 'default.target.wants', 'agor-night-shift.service'));
    const r = service(['uninstall']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed ${file} (and disabled it)`);
    expect(r.stdout).toContain('systemctl --user stop agor-night-shift.service; systemctl --user daemon-reload');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(unitDir, 'default.target.wants', 'agor-night-shift.service'))).toBe(false);
    const again = service(['uninstall']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`no unit ${file}`);
  });
});
