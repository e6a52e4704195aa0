import { describe, expect, it } from 'vitest';
import { enableLines, execWord, unitDir, unitName, unitText } from '../../../src/supervisor/service.js';

const base = {
  group: 'team',
  configFile: '/srv/team/agor.yaml',
  dbPath: '/srv/team/agor.db',
  node: '/usr/bin/node',
  script: '/opt/agor/dist/agor.cjs',
  nodeFlags: ['--lite-mode'],
  workdir: '/srv/team',
  path: '/usr/bin:/bin',
  scope: 'user' as const,
};

describe('systemd units', () => {
  it.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/home/me/my team/agor.yaml', '"/home/me/my team/agor.yaml"'],
    ['/data/100%', '/data/100%%'],
    ['/x/$HOME', '"/x/$$HOME"'],
    ['/x/a"b', '"/x/a\\"b"'],
  ])('quotes the Exec argument %s as %s', (arg, want) => {
    expect(execWord(arg)).toBe(want);
  });

  it('names the unit after the group and puts user units under XDG_CONFIG_HOME', () => {
    expect(unitName('night-shift')).toBe('agor-night-shift.service');
    expect(unitDir('user', { XDG_CONFIG_HOME: '/c', HOME: '/h' })).toBe('/c/systemd/user');
    expect(unitDir('user', { HOME: '/h' })).toBe('/h/.config/systemd/user');
    expect(unitDir('system', {})).toBe('/etc/systemd/system');
  });

  it('runs the supervisor in the foreground and keeps the agents through a restart', () => {
    const u = unitText(base);
    expect(u).toContain('ExecStart=/usr/bin/node --lite-mode /opt/agor/dist/agor.cjs up --headless -f /srv/team/agor.yaml --db /srv/team/agor.db\n');
    expect(u).toContain('KillMode=process\n');
    expect(u).toContain('ExecReload=/bin/kill -HUP $MAINPID\n');
    expect(u).toContain('Restart=on-failure\n');
    expect(u).toContain('Environment="AGOR_DB=/srv/team/agor.db"\n');
    expect(u).toContain('WantedBy=default.target\n');
    expect(u).not.toContain('User=');
  });

  it('gives a system unit its user and the multi-user target', () => {
    const u = unitText({ ...base, scope: 'system', user: 'alice' });
    expect(u).toContain('User=alice\n');
    expect(u).toContain('WantedBy=multi-user.target\n');
    expect(enableLines('system', 'agor-team.service')).toEqual(['systemctl daemon-reload && systemctl enable --now agor-team.service']);
    expect(enableLines('user', 'agor-team.service')[0]).toBe('systemctl --user daemon-reload && systemctl --user enable --now agor-team.service');
  });
});
