// The dashboard over two hosts, end to end in tmux: this machine's database and a second
// one served by a relay on loopback (in this process, so the test can stop it and start it
// again on the same port). The screen is read as in dashboard.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, runAsync } from '../helpers/cli.js';
import { group, sh } from '../integration/agor/fixture.js';
import { ADMIN_TOKEN, certificate, relay } from '../integration/relay/relay.js';
import { rowState, terminal, titleIs } from './terminal.js';

const AGOR = join(ROOT, 'dist', 'agor.cjs');

/** A host's line in the Fleet: its name at the start of a row, then what its link is. */
const hostLine = (screen: string, host: string): string | null => new RegExp(`^${host} (.*)$`, 'm').exec(screen)?.[1] ?? null;

test('agor dash --host local --host h2 on a 100x30 terminal: both fleets under their hosts, h2 reconnecting while its relay is down, then connected and resynced without a restart; --host h2 alone looks as a local dashboard does', async ({
  onTestFinished,
}) => {
  const here = group(onTestFinished, { group: 'here', agents: { alpha: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
  const there = group(onTestFinished, { group: 'there', agents: { beta: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
  await Promise.all([here.up(), there.up()]);
  const add = await runAsync('bttask', ['add', 'Only on h2', '--db', there.db], { env: { BTMSG_AGENT_ID: 'admin' } });
  expect(add.code, add.stderr).toBe(0);
  let h2 = await relay(onTestFinished, there.db);
  const { pin } = await certificate();

  // hosts.yaml and the token in a 0600 file of a config directory of the test's own (no keyring).
  const config = mkdtempSync(join(tmpdir(), 'agor-hosts-'));
  onTestFinished(() => rmSync(config, { recursive: true, force: true }));
  const env = { XDG_CONFIG_HOME: config };
  const added = await runAsync('agor', ['hosts', 'add', 'h2', h2.url, '--pin', pin], {
    input: `${ADMIN_TOKEN}\n`,
    env: { ...env, DBUS_SESSION_BUS_ADDRESS: undefined },
  });
  expect(added.code, added.stderr).toBe(0);

  const term = terminal(onTestFinished, 'hosts', 100, 30);
  term.start([process.execPath, AGOR, 'dash', '--db', here.db, '--host', 'local', '--host', 'h2'], env);
  let s = await term.waitFor(
    'both hosts connected with their agents',
    (x) => titleIs('Fleet')(x) && /^connected/.test(hostLine(x, 'local') ?? '') && /^connected/.test(hostLine(x, 'h2') ?? '') && rowState(x, 'beta') === 'running',
    20_000,
  );
  term.show('Fleet over two hosts: local and h2, each under its line', s);
  expect(rowState(s, 'alpha')).toBe('running');
  const lines = s.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  expect(at(/^local connected/)).toBeLessThan(at(/^[› ] \S\s+alpha\s/));
  expect(at(/^[› ] \S\s+alpha\s/)).toBeLessThan(at(/^h2 connected/));
  expect(at(/^h2 connected/)).toBeLessThan(at(/^[› ] \S\s+beta\s/));
  expect(hostLine(s, 'h2')).toContain(`wss://127.0.0.1:${h2.port}`);
  expect(lines[0]).toMatch(/^agor Fleet host local: /);

  // The Board shows one host at a time: H goes to the next.
  s = await term.press('2', 'the Board of local', (x) => titleIs('Board')(x) && /^HOST \[local\] +h2 /m.test(x));
  term.show('Board: local selected', s);
  expect(s).not.toContain('Only on h2');
  s = await term.press('H', "h2's board", (x) => titleIs('Board')(x) && /^HOST +local +\[h2\]/m.test(x) && /Only on h2/.test(x));
  term.show('H: Board of h2', s);
  s = await term.press('1', 'the Fleet', titleIs('Fleet'));

  // h2's relay stops: the dashboard says it is reconnecting and keeps h2's last fleet.
  await h2.close();
  s = await term.waitFor('h2 reconnecting', (x) => /^reconnecting (in \d+ s|now) \(lost \d\d:\d\d:\d\d\)/.test(hostLine(x, 'h2') ?? ''), 15_000);
  term.show("h2's relay stopped: reconnecting, its agents greyed", s);
  expect(rowState(s, 'beta')).toBe('running');
  expect(hostLine(s, 'local')).toMatch(/^connected/);

  // Meanwhile on h2, beta is stopped.
  expect((await there.agor(['stop', 'beta'])).code).toBe(0);

  // The relay comes back on its port: connected again, with what changed while it was away.
  h2 = await relay(onTestFinished, there.db, { port: h2.port });
  s = await term.waitFor('h2 connected again with beta stopped', (x) => /^connected/.test(hostLine(x, 'h2') ?? '') && rowState(x, 'beta') === 'inactive', 40_000);
  term.show('the relay restarted: h2 connected again, beta shown stopped', s);
  expect(rowState(s, 'alpha')).toBe('running');

  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);

  // h2 alone: the dashboard as it looks locally, over the relay, its URL in the title bar.
  const one = terminal(onTestFinished, 'one-remote', 100, 30);
  one.start([process.execPath, AGOR, 'dash', '--host', 'h2'], env);
  s = await one.waitFor('h2 alone', (x) => titleIs('Fleet')(x) && rowState(x, 'beta') === 'inactive', 20_000);
  one.show('agor dash --host h2: one remote host', s);
  expect(s.split('\n')[0]).toMatch(new RegExp(`^agor Fleet wss://127\\.0\\.0\\.1:${h2.port}\\s.*supervisor pid \\d+ · group there$`));
  expect(hostLine(s, 'h2')).toBeNull();
  expect(rowState(s, 'alpha')).toBeNull();
  one.key('q');
  expect(await one.exited('agor dash --host h2 to exit')).toBe(0);
}, 90_000);

test('agor dash --host with a host hosts.yaml does not name exits 3 before it draws anything', async () => {
  const config = mkdtempSync(join(tmpdir(), 'agor-hosts-'));
  try {
    const r = await runAsync('agor', ['dash', '--host', 'local', '--host', 'nowhere'], { env: { XDG_CONFIG_HOME: config } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no host 'nowhere'/);
    expect(r.stdout).toBe('');
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
});
