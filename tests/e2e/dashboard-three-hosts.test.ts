// The multi-host dashboard across three hosts in network namespaces, end to end in tmux:
// `agor dash --host local --host h2 --host h3` runs inside h1's namespace (as everything
// of h1 does), and reaches h2 and h3 through their relays over the bridge. The test takes
// h2's link down and up and kills and restarts h3's relay, changing each host meanwhile,
// and reads what the dashboard shows. Nothing is restarted but the relay that was killed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { netSkip } from '../helpers/netns.js';
import { sh } from '../integration/agor/fixture.js';
import { threeHosts } from '../integration/relay/three-hosts.js';
import { type Terminal, rowState, terminal, titleIs } from './terminal.js';

const AGOR = join(ROOT, 'dist', 'agor.cjs');
const skip = netSkip();
const IP = spawnSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).stdout.trim() || 'ip';

/** A host's line in the Fleet: its name at the start of a row, then what its link is. */
const hostLine = (screen: string, host: string): string | null => new RegExp(`^${host} (.*)$`, 'm').exec(screen)?.[1] ?? null;
const connected = (screen: string, host: string) => /^connected/.test(hostLine(screen, host) ?? '');
const reconnecting = (screen: string, host: string) => /^reconnecting/.test(hostLine(screen, host) ?? '');

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[([0-9;]*)m/g;

/** The colours an agent's row is drawn in (SGR codes as capture-pane -e keeps them). */
function rowColours(term: Terminal, id: string): string[] {
  const screen = spawnSync('tmux', ['-L', term.socket, 'capture-pane', '-e', '-p', '-t', 'e2e'], { encoding: 'utf8' }).stdout;
  const row = screen.split('\n').find((l) => new RegExp(`\\s${id}\\s`).test(l.replace(SGR, '')));
  return [...(row ?? '').matchAll(SGR)].map((m) => m[1]!).filter((c) => c !== '' && c !== '0' && c !== '39');
}

test.skipIf(skip)(
  `agor dash on h1 over local, h2 and h3: a host whose link goes down shows reconnecting and keeps its last fleet, and resyncs once it is back; so does a host whose relay is killed and started again${skip ? ` (skipped: ${skip})` : ''}`,
  async ({ onTestFinished }) => {
    // One agent per host, named after it, so each row says which host it is on.
    const t = await threeHosts((host) => ({ agents: { [`w${host}`]: { command: sh('exec sleep 300'), stop_grace: '1s' } } }));
    onTestFinished(() => t.teardown());
    for (const name of ['h2', 'h3'] as const) {
      const h = t.hosts[name];
      const r = await t.on('h1', 'agor', ['hosts', 'add', name, h.url, '--pin', h.pin], { input: `${h.admin}\n` });
      expect(r.code, r.stderr).toBe(0);
    }
    const h1 = t.hosts.h1;
    const env = Object.fromEntries(
      ['AGOR_DB', 'HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR'].map((k) => [k, h1.env[k]!]),
    );
    const term = terminal(onTestFinished, 'three-hosts', 100, 30);
    term.start([IP, 'netns', 'exec', t.net.host('h1').ns, process.execPath, AGOR, 'dash', '--host', 'local', '--host', 'h2', '--host', 'h3'], env);
    let s = await term.waitFor(
      'three hosts connected, each with its agent running',
      (x) => titleIs('Fleet')(x) && ['local', 'h2', 'h3'].every((h) => connected(x, h)) && ['wh1', 'wh2', 'wh3'].every((a) => rowState(x, a) === 'running'),
      30_000,
    );
    term.show('Fleet over three hosts', s);
    expect(hostLine(s, 'h2')).toContain(t.hosts.h2.url);
    expect(hostLine(s, 'h3')).toContain(t.hosts.h3.url);
    // A running agent of a connected host has a colour of its own (green).
    expect(rowColours(term, 'wh2')).toContain('32');

    // h2's link goes down: no close reaches either end, so the client notices by the silence (two missed pings).
    t.net.linkDown('h2');
    s = await term.waitFor('h2 reconnecting', (x) => reconnecting(x, 'h2'), 90_000);
    term.show("h2's link down: reconnecting, its last fleet kept", s);
    expect(rowState(s, 'wh2')).toBe('running');
    // …greyed: nothing of its row keeps a colour of its own.
    expect(rowColours(term, 'wh2')).toContain('90');
    expect(rowColours(term, 'wh2')).not.toContain('32');
    expect(rowColours(term, 'wh3')).toContain('32');
    expect(connected(s, 'h3')).toBe(true);
    expect(connected(s, 'local')).toBe(true);
    // Meanwhile on h2 itself, its agent is stopped.
    expect((await t.on('h2', 'agor', ['stop', 'wh2'])).code).toBe(0);

    t.net.linkUp('h2');
    s = await term.waitFor('h2 connected again, with wh2 stopped', (x) => connected(x, 'h2') && rowState(x, 'wh2') === 'inactive', 90_000);
    term.show("h2's link up: connected again and resynced", s);
    expect(rowState(s, 'wh3')).toBe('running');

    // h3's relay is killed: the connection closes at once, and the dashboard reconnects once it is back.
    await t.killRelay('h3');
    s = await term.waitFor('h3 reconnecting', (x) => reconnecting(x, 'h3'), 30_000);
    term.show("h3's relay killed: reconnecting", s);
    expect((await t.on('h3', 'agor', ['stop', 'wh3'])).code).toBe(0);
    await t.startRelay('h3');
    s = await term.waitFor('h3 connected again, with wh3 stopped', (x) => connected(x, 'h3') && rowState(x, 'wh3') === 'inactive', 60_000);
    term.show("h3's relay started again: connected and resynced", s);
    expect(rowState(s, 'wh1')).toBe('running');
    expect(connected(s, 'h2')).toBe(true);

    term.key('q');
    expect(await term.exited('agor dash to exit')).toBe(0);
  },
  300_000,
);
