// The dashboard end to end, in a real terminal: tmux runs `agor up` (through the demo
// launcher, scripts/demo.mjs, and directly) and `agor dash` on a pseudo-terminal of a
// given size; the test reads the screen with capture-pane and types with send-keys, and
// checks what the dashboard did from the CLI (`agor ps --json`, `agor down`) and /proc.
//
// Every step's screen is printed (console.log, a heading per step) so the test output
// shows what the operator would have seen. Screens are polled with deadlines, never
// waited for with fixed sleeps (one short pause checks that a key does nothing).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, runAsync } from '../helpers/cli.js';
import { startKeyring } from '../helpers/keyring.js';
import { alive, processesMentioning } from '../helpers/proc.js';
import { sleep } from '../helpers/wait.js';
import { type AgentView, type Group, group, sh } from '../integration/agor/fixture.js';
import { type Terminal, rowState, terminal, titleIs } from './terminal.js';

const AGOR = join(ROOT, 'dist', 'agor.cjs');
const DEMO = join(ROOT, 'scripts', 'demo.mjs');
const DEMO_YAML = join(ROOT, 'examples', 'demo', 'agor.yaml');

/** Deterministic demo: carol crashes in every task, bob stalls after every hand-in, the reviewer approves all. */
const DEMO_KNOBS = { DEMO_CRASH_EVERY: '1', DEMO_STALL_EVERY: '1', DEMO_REJECT_EVERY: '0' };

// ---- reading the screen ----

/** An agent's row in the Fleet table: state, health, pid, uptime and silence, as shown. */
function fleetRow(screen: string, id: string): { state: string; health: string; up: string; silent: string; rest: string } | null {
  const m = new RegExp(`^[› ] \\S\\s+${id}\\s+(\\w+)\\s+(\\w+)\\s+(?:\\d+|-)\\s+(\\S+)\\s+(\\S+)(.*)$`, 'm').exec(screen);
  return m ? { state: m[1]!, health: m[2]!, up: m[3]!, silent: m[4]!, rest: m[5]! } : null;
}

/** Seconds in a duration as the dashboard prints it (45s, 1m04s, 2h05m), or null for "-". */
function seconds(d: string): number | null {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m || d === '-') return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** The agent on the selected row of the Fleet table (the row with the cursor). */
const selectedAgent = (screen: string): string | null => /^› \S\s+(\S+)/m.exec(screen)?.[1] ?? null;

const supervisorPid = (screen: string): number | null => {
  const m = /supervisor pid (\d+)/.exec(screen.split('\n')[0] ?? '');
  return m ? Number(m[1]) : null;
};

/** The count in a board column's header ("│ DONE   3│"). */
const columnCount = (screen: string, state: string): number => Number(new RegExp(`${state}\\s+(\\d+)`).exec(screen)?.[1] ?? -1);

/** The frame fits the terminal: the title on the first row, the help line on the last but one. */
function expectFits(term: Terminal, screen: string): void {
  const lines = screen.split('\n');
  expect(lines.length, screen).toBeLessThanOrEqual(term.rows);
  expect(lines[0], screen).toMatch(/^agor \w+ /);
  expect(lines[term.rows - 2], screen).toMatch(/1 Fleet.*6 Logs.*q quit/);
  for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(term.columns);
}

// ---- the CLI side ----

const RUNNING = ['running', 'idle', 'stalled'];

async function ps(g: Group): Promise<Record<string, AgentView>> {
  return Object.fromEntries((await g.ps()).map((a) => [a.id, a]));
}

async function waitPs(g: Group, what: string, ok: (agents: Record<string, AgentView>) => boolean, timeout = 10_000): Promise<Record<string, AgentView>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const agents = await ps(g);
    if (ok(agents)) return agents;
    if (Date.now() > deadline) {
      const seen = Object.values(agents).map((a) => `${a.id} ${a.state} pid ${a.pid} restarts ${a.restarts}`);
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; agor ps --json:\n${seen.join('\n')}`);
    }
    await sleep(200);
  }
}

/** Live processes of the test other than the tmux server. */
const leftovers = (g: Group, term: Terminal): number[] => {
  const server = term.serverPid();
  return processesMentioning(g.dir).filter((p) => p !== server && alive(p));
};

async function expectNothingLeft(g: Group, term: Terminal): Promise<void> {
  const deadline = Date.now() + 5000;
  let left = leftovers(g, term);
  while (left.length && Date.now() < deadline) {
    await sleep(100);
    left = leftovers(g, term);
  }
  const what = left.map((p) => {
    try {
      return `${p}: ${spawnSync('cat', [`/proc/${p}/cmdline`], { encoding: 'utf8' }).stdout.replaceAll('\0', ' ')}`;
    } catch {
      return String(p);
    }
  });
  expect(what, 'processes of the test still running after agor down').toEqual([]);
}

test('agor up on a 100x30 terminal: the demo team at work, every view, stop/start/restart from the dashboard, q leaves the team running, agor down leaves nothing', async ({
  onTestFinished,
}) => {
  const g = group(onTestFinished);
  const term = terminal(onTestFinished, 'demo', 100, 30);
  term.start([process.execPath, DEMO, '--db', g.db], DEMO_KNOBS);

  // The supervisor went to the background and the dashboard attached to it.
  let s = await term.waitFor(
    'the demo team up: five agents, the workers running',
    (x) =>
      supervisorPid(x) !== null &&
      ['alice', 'bob', 'carol'].every((id) => RUNNING.includes(rowState(x, id) ?? '')) &&
      rowState(x, 'manager') !== null &&
      rowState(x, 'reviewer') !== null,
    30_000,
  );
  term.show('Fleet: the demo team is up, the dashboard attached to the supervisor', s);
  const supPid = supervisorPid(s)!;
  expect(alive(supPid)).toBe(true);
  expect(s).toMatch(/group demo/);
  expect(s).toMatch(/5 agents/);
  expectFits(term, s);

  // Progress: the board shows a task approved into DONE.
  s = await term.press('2', 'the Board view', titleIs('Board'));
  term.show('Board, as soon as it opened', s);
  s = await term.waitFor('a task in DONE on the board', (x) => titleIs('Board')(x) && columnCount(x, 'DONE') >= 1, 50_000);
  term.show('Board: a task went through review into DONE', s);
  for (const col of ['TODO', 'PROGRESS', 'REVIEW', 'DONE', 'BLOCKED']) expect(s).toContain(col);
  expect(s).toMatch(/job 1: /);
  expect(s).toMatch(/\[2 Board\]/);

  // Every view, by number, then tab / shift-tab, then help.
  const views: [string, string, RegExp][] = [
    ['3', 'Comms', /FEED/],
    ['4', 'Runs', /RUNS OF \w+/],
    ['5', 'Audit', /AUDIT\s+agent: any\s+type: any/],
    ['6', 'Logs', /LOG OF \w+/],
    ['7', 'Approvals', /no approval requests pending/],
    ['8', 'Conflicts', /no open conflicts/],
  ];
  for (const [k, name, body] of views) {
    s = await term.press(k, `the ${name} view`, (x) => titleIs(name)(x) && body.test(x));
    term.show(`key ${k}: ${name}`, s);
    expect(s).toContain(`[${k} ${name}]`);
    expectFits(term, s);
  }
  s = await term.press('6', 'the Logs view again', titleIs('Logs'));
  expect(s).toMatch(/LOG OF manager/);
  s = await term.press('8', 'the Conflicts view again', titleIs('Conflicts'));
  s = await term.press('Tab', 'tab from Conflicts wraps to Fleet', titleIs('Fleet'));
  term.show('tab: from Conflicts round to Fleet', s);
  s = await term.press('Tab', 'tab to Board', titleIs('Board'));
  s = await term.press('BTab', 'shift-tab back to Fleet', titleIs('Fleet'));
  s = await term.press('BTab', 'shift-tab from Fleet wraps to Conflicts', titleIs('Conflicts'));
  s = await term.press('BTab', 'shift-tab to Approvals', titleIs('Approvals'));
  s = await term.press('BTab', 'shift-tab to Logs', titleIs('Logs'));
  term.show('tab, shift-tab × 4: Logs', s);
  s = await term.press('?', 'the help screen', (x) => titleIs('Help')(x) && /Prompts \(every action asks\)/.test(x) && /start, stop, restart it/.test(x));
  term.show('?: help', s);
  s = await term.press('Escape', 'esc closes the help', titleIs('Logs'));
  s = await term.press('1', 'back to Fleet', (x) => titleIs('Fleet')(x) && rowState(x, 'alice') !== null);

  // Select alice: down until the cursor is on her row.
  for (let i = 0; selectedAgent(s) !== 'alice'; i++) {
    if (i > 6) throw new Error(`could not select alice; the screen:\n${s}`);
    const before = selectedAgent(s);
    s = await term.press('Down', 'the cursor to move down', (x) => selectedAgent(x) !== before);
  }
  term.show('Fleet: alice selected', s);
  const before = await ps(g);
  const firstPid = before.alice!.pid!;
  expect(firstPid).toBeGreaterThan(0);

  // x: stop her, after a y/n question.
  s = await term.press('x', 'the stop question', (x) => /stop alice\? \[y\/n\]/.test(x));
  term.show('x: the dashboard asks before it stops alice', s);
  s = await term.press('y', 'alice stopped', (x) => /stopped alice/.test(x) && rowState(x, 'alice') === 'inactive', 15_000);
  term.show('y: alice stopped', s);
  let agents = await waitPs(g, 'agor ps to show alice inactive', (a) => a.alice?.state === 'inactive' && a.alice.pid === null);
  expect(alive(firstPid), `alice's process ${firstPid} still runs after the stop`).toBe(false);
  // Nobody else was touched.
  expect(agents.bob!.pid).toBe(before.bob!.pid);

  // s: start her again.
  s = await term.press('s', 'the start question', (x) => /start alice\? \[y\/n\]/.test(x));
  term.show('s: the dashboard asks before it starts alice', s);
  s = await term.press('y', 'alice started', (x) => /started alice/.test(x) && RUNNING.includes(rowState(x, 'alice') ?? ''), 15_000);
  term.show('y: alice running again', s);
  agents = await waitPs(g, 'agor ps to show alice running', (a) => RUNNING.includes(a.alice?.state ?? '') && a.alice!.pid !== null);
  const secondPid = agents.alice!.pid!;
  expect(secondPid).not.toBe(firstPid);
  expect(alive(secondPid)).toBe(true);

  // r: restart her: a new process.
  s = await term.press('r', 'the restart question', (x) => /restart alice\? \[y\/n\]/.test(x));
  term.show('r: the dashboard asks before it restarts alice', s);
  // n first: nothing happens.
  s = await term.press('n', 'the question cancelled', (x) => /cancelled/.test(x));
  expect((await ps(g)).alice!.pid).toBe(secondPid);
  s = await term.press('r', 'the restart question again', (x) => /restart alice\? \[y\/n\]/.test(x));
  s = await term.press('y', 'alice restarted', (x) => /restarted alice/.test(x), 15_000);
  agents = await waitPs(
    g,
    'agor ps to show alice running in a new process',
    (a) => RUNNING.includes(a.alice?.state ?? '') && a.alice!.pid !== null && a.alice!.pid !== secondPid,
  );
  const thirdPid = agents.alice!.pid!;
  s = await term.waitFor("the new pid on alice's row", (x) => new RegExp(`alice\\s+\\w+\\s+\\w+\\s+${thirdPid}\\s`).test(x));
  term.show('y: alice restarted (new pid)', s);
  expect(alive(secondPid)).toBe(false);

  // q: the dashboard leaves; the supervisor and its agents stay.
  const running = await ps(g);
  term.key('q');
  const status = await term.exited('the dashboard to exit');
  s = term.show('q: left the dashboard');
  expect(status, s).toBe(0);
  // agor up says where the supervisor is and how to come back to it.
  expect(s).toMatch(new RegExp(`supervisor[^\\n]*\\b${supPid}\\b`));

  expect(alive(supPid), 'the supervisor died with the dashboard').toBe(true);
  const after = await waitPs(g, 'agor ps --json through the supervisor', (a) => Object.keys(a).length === 5);
  expect(Object.values(after).every((a) => a.supervised)).toBe(true);
  // alice and bob run in the same processes as before q (carol crashes in every task, so hers may change).
  for (const id of ['alice', 'bob']) {
    expect(RUNNING, `${id} after q`).toContain(after[id]!.state);
    expect(after[id]!.pid, `${id} after q`).toBe(running[id]!.pid);
    expect(alive(after[id]!.pid!)).toBe(true);
  }
  expect(after.alice!.pid).toBe(thirdPid);

  // agor down: everything stops.
  const down = await runAsync('agor', ['down', '--db', g.db], { timeout: 30_000 });
  expect(down.code, down.stderr).toBe(0);
  await expectNothingLeft(g, term);
  expect(alive(supPid)).toBe(false);
}, 90_000);

test('agor up on an 80x24 terminal: every view fits; 70x20 asks to enlarge; the supervisor killed while attached: the dashboard says so and keeps showing the database', async ({
  onTestFinished,
}) => {
  const g = group(onTestFinished);
  const term = terminal(onTestFinished, 'small', 80, 24);
  term.start([process.execPath, AGOR, 'up', '-f', DEMO_YAML, '--db', g.db], DEMO_KNOBS);

  let s = await term.waitFor(
    'the demo team up',
    (x) => supervisorPid(x) !== null && ['alice', 'bob', 'carol'].every((id) => RUNNING.includes(rowState(x, id) ?? '')),
    30_000,
  );
  term.show('Fleet at 80x24', s);
  expectFits(term, s);
  const supPid = supervisorPid(s)!;

  for (const [k, name] of [
    ['2', 'Board'],
    ['3', 'Comms'],
    ['4', 'Runs'],
    ['5', 'Audit'],
    ['6', 'Logs'],
  ] as const) {
    s = await term.press(k, `the ${name} view`, titleIs(name));
    term.show(`key ${k}: ${name} at 80x24`, s);
    expectFits(term, s);
  }
  s = await term.press('?', 'help', titleIs('Help'));
  term.show('?: help at 80x24', s);
  expectFits(term, s);
  s = await term.press('Escape', 'back from help', titleIs('Logs'));
  s = await term.press('1', 'Fleet', titleIs('Fleet'));

  // Too small: a message instead of the views, and no crash; back to normal when enlarged.
  term.resize(70, 20);
  s = await term.waitFor('the enlarge message', (x) => /enlarge the window to at least 80x24 \(now 70x20\)/.test(x));
  term.show('resized to 70x20', s);
  expect(s).toMatch(/q quits; the agents keep running/);
  term.key('2'); // ignored while too small
  term.resize(80, 24);
  s = await term.waitFor('the views again', (x) => titleIs('Fleet')(x) && rowState(x, 'alice') !== null);
  term.show('back at 80x24', s);
  expectFits(term, s);
  expect(term.hasExited()).toBe(false);

  // The supervisor dies (kill -9) while the dashboard is attached.
  process.kill(supPid, 'SIGKILL');
  s = await term.waitFor('the dashboard to say the supervisor went away', (x) => /supervisor went away/.test(x.split('\n')[0] ?? ''));
  term.show('the supervisor was killed (SIGKILL)', s);
  expect(s.split('\n')[0]).toMatch(/supervisor went away: showing the database/);
  // Still the whole fleet, now read from the database.
  s = await term.waitFor('the fleet from the database', (x) => ['manager', 'reviewer', 'alice', 'bob', 'carol'].every((id) => rowState(x, id) !== null));
  term.show('Fleet, from the database', s);
  s = await term.press('2', 'the board from the database', (x) => titleIs('Board')(x) && /TODO/.test(x) && /job 1: /.test(x));
  term.show('Board, from the database', s);
  s = await term.press('3', 'the feed from the database', (x) => titleIs('Comms')(x) && /FEED/.test(x));
  term.show('Comms, from the database', s);
  expect(s.split('\n')[0]).toMatch(/supervisor went away/);
  // An action that needs the supervisor says so instead of crashing.
  s = await term.press('1', 'Fleet', titleIs('Fleet'));
  s = await term.press('x', 'the stop question', (x) => /stop \w+\? \[y\/n\]/.test(x));
  s = await term.press('y', 'the refusal', (x) => /error: no supervisor is running/.test(x), 10_000);
  term.show('x y without a supervisor: refused on the status line', s);
  expect(term.hasExited()).toBe(false);

  term.key('q');
  const status = await term.exited('the dashboard to exit');
  // Not checked: what agor up prints on leaving. It says "the supervisor keeps running (pid …)"
  // even though that supervisor was killed (reported, not fixed here).
  s = term.show('q: left the dashboard (the supervisor is gone)');
  expect(status, s).toBe(0);
  expect(alive(supPid)).toBe(false);

  // The agents outlived the supervisor; agor down stops what it left.
  const agents = await ps(g);
  expect(Object.keys(agents).sort()).toEqual(['alice', 'bob', 'carol', 'manager', 'reviewer']);
  const down = await runAsync('agor', ['down', '--db', g.db], { timeout: 30_000 });
  expect(down.code, down.stderr).toBe(0);
  expect(down.stdout + down.stderr).toMatch(/no supervisor was running/);
  await expectNothingLeft(g, term);
}, 60_000);

test('agor dash on a database with no agents, at 70x20 then 80x24: the enlarge message, then the empty views', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  const term = terminal(onTestFinished, 'empty', 70, 20);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db]);

  let s = await term.waitFor('the enlarge message', (x) => /enlarge the window to at least 80x24 \(now 70x20\)/.test(x), 15_000);
  term.show('agor dash at 70x20', s);
  term.resize(80, 24);
  s = await term.waitFor('the empty fleet', (x) => titleIs('Fleet')(x) && /no agents: start a group with agor up/.test(x));
  term.show('resized to 80x24: the empty Fleet', s);
  expectFits(term, s);
  expect(s.split('\n')[0]).toMatch(/no supervisor: showing the database · group -/);

  const empty: [string, string, RegExp][] = [
    ['2', 'Board', /no tasks: add one with bttask add/],
    ['3', 'Comms', /no messages yet/],
    ['4', 'Runs', /no agents: start a group/],
    ['5', 'Audit', /no audit entries yet/],
    ['6', 'Logs', /no agents: start a group/],
  ];
  for (const [k, name, text] of empty) {
    s = await term.press(k, `the empty ${name} view`, (x) => titleIs(name)(x) && text.test(x));
    term.show(`key ${k}: empty ${name}`, s);
    expectFits(term, s);
  }
  // An agent action with no agent selected does nothing.
  s = await term.press('1', 'Fleet', titleIs('Fleet'));
  term.key('x');
  await sleep(300);
  expect(term.screen()).not.toMatch(/\[y\/n\]/);

  term.resize(70, 20);
  s = await term.waitFor('the enlarge message again', (x) => /now 70x20/.test(x));
  term.key('q');
  const status = await term.exited('agor dash to exit');
  s = term.show('q at 70x20: agor dash exited');
  expect(status, s).toBe(0);
  await expectNothingLeft(g, term);
}, 40_000);

test('agor up on a 100x30 terminal: a busy agent never reads silent, a stalled one is not healthy, a failed one says why, keys sent together all count, board cards can be told apart at 100 and 80 columns', async ({
  onTestFinished,
}) => {
  const g = group(onTestFinished, {
    agents: {
      busy: { command: sh('while :; do echo "working on it"; sleep 1; done'), stall_after: '20s', stop_grace: '1s' },
      net: { command: sh('echo "error: connect ECONNREFUSED 127.0.0.1:443" >&2; exit 1'), restart: { max_retries: 0 }, stop_grace: '1s' },
      quiet: { command: sh('echo hello; exec sleep 300'), stall_after: '4s', stop_grace: '1s' },
      spare: { command: sh('exec sleep 300'), stall_after: '10m', stop_grace: '1s' },
    },
  });
  for (const title of ['Write the schema', 'Write the docs']) {
    const r = await runAsync('bttask', ['add', title, '--db', g.db], { env: { BTMSG_AGENT_ID: 'admin' } });
    expect(r.code, r.stderr).toBe(0);
  }
  const term = terminal(onTestFinished, 'fleet', 100, 30);
  term.start([process.execPath, AGOR, 'up', '-f', g.file, '--db', g.db]);

  let s = await term.waitFor(
    'busy running, net failed, quiet stalled',
    (x) =>
      supervisorPid(x) !== null && fleetRow(x, 'busy')?.state === 'running' && fleetRow(x, 'net')?.state === 'failed' && fleetRow(x, 'quiet')?.state === 'stalled',
    30_000,
  );
  term.show('Fleet: busy running, net failed, quiet stalled', s);
  expectFits(term, s);
  // Stalled is not healthy: the health column agrees with the state, and with agor ps.
  expect(fleetRow(s, 'quiet')!.health).toBe('degraded');
  expect((await ps(g)).quiet).toMatchObject({ state: 'stalled', health: 'degraded' });
  // The failed one: its last outcome in its column, and why in the attention queue.
  expect(s).toMatch(/OUTCOME/);
  expect(fleetRow(s, 'net')!.rest).toMatch(/failed/);
  expect(s).toMatch(/90 +\S+ net +error · last failed \(network\)/);

  // The busy agent, up longer than its stall_after, prints every second: its timer never
  // gets to half of stall_after (amber), let alone past it, and agor ps agrees.
  s = await term.waitFor('busy up for more than 20 s', (x) => (seconds(fleetRow(x, 'busy')?.up ?? '') ?? 0) > 20, 40_000);
  const t0 = Date.now();
  const seen: string[] = [];
  while (Date.now() - t0 < 6000) {
    const row = fleetRow(term.screen(), 'busy');
    if (row) {
      seen.push(row.silent);
      expect(row.state, `busy's row: ${JSON.stringify(row)}`).toBe('running');
      expect(row.health).toBe('healthy');
      expect(seconds(row.silent), `busy's stall timer read ${row.silent}`).toBeLessThan(10);
    }
    await sleep(250);
  }
  term.show(`Fleet: busy up for more than its stall_after; its timer read ${[...new Set(seen)].join(' ')}`);
  const busy = (await ps(g)).busy!;
  expect(busy).toMatchObject({ state: 'running', health: 'healthy' });

  // Three Downs in one send-keys: the cursor goes three rows down, from busy to spare.
  s = await term.waitFor('busy selected', (x) => selectedAgent(x) === 'busy');
  term.keys('Down', 'Down', 'Down');
  s = await term.waitFor('spare selected', (x) => selectedAgent(x) === 'spare');
  term.show('Down Down Down sent at once: spare selected', s);
  term.keys('Up', 'Up');
  s = await term.waitFor('net selected', (x) => selectedAgent(x) === 'net');
  // The detail line of the selected failed agent says why too.
  expect(s).toMatch(/net · role project · service\/\S+ · last failed \(network\)/);
  term.show('Up Up sent at once: net selected, and why it failed', s);

  // The board: two titles that begin alike, told apart at 100 and at 80 columns.
  s = await term.press('2', 'the board', (x) => titleIs('Board')(x) && /TODO/.test(x));
  const cards = (x: string) => x.split('\n').map((l) => /^│(.*?)│/.exec(l)?.[1]?.trim() ?? '');
  expect(cards(s)).toContain('schema');
  expect(cards(s).some((c) => /docs$/.test(c))).toBe(true);
  expect(s).toMatch(/ \w{8} Write the schema · medium · unassigned/);
  term.show('Board at 100x30', s);
  term.resize(80, 24);
  s = await term.waitFor(
    'the board at 80x24',
    (x) => titleIs('Board')(x) && x.split('\n').length <= 24 && /TODO/.test(x) && x.split('\n').every((l) => [...l].length <= 80),
  );
  term.show('Board at 80x24', s);
  expectFits(term, s);
  expect(cards(s)).toContain('schema');
  expect(cards(s)).toContain('docs');
  s = await term.press('Down', 'the second card selected', (x) => / \w{8} Write the docs · medium · unassigned/.test(x));
  term.show('Board at 80x24, the second card selected', s);

  term.key('q');
  const status = await term.exited('the dashboard to exit');
  expect(status, term.show('q: left the dashboard')).toBe(0);
  const down = await runAsync('agor', ['down', '--db', g.db], { timeout: 30_000 });
  expect(down.code, down.stderr).toBe(0);
  await expectNothingLeft(g, term);
}, 120_000);

test('agor dash on an 80x24 terminal: the Logs view shows the tokens an agent printed redacted', async ({ onTestFinished }) => {
  // Made-up credentials in GitHub's and Anthropic's shapes.
  const ghp = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
  const ant = 'sk-ant-api03-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-Dc_Ba9Zx8Yw7Vu6Ts5AA';
  const g = group(onTestFinished, {
    agents: { leaky: { command: sh(`echo "GH_TOKEN=${ghp}"; echo "key ${ant}"; exec sleep 300`), stop_grace: '1s' } },
  });
  await g.up();
  const term = terminal(onTestFinished, 'logs', 80, 24);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db]);
  let s = await term.waitFor('the Fleet', titleIs('Fleet'), 15_000);
  s = await term.press('6', 'the Logs view with the agent’s output', (x) => titleIs('Logs')(x) && /key \[REDACTED:anthropic-key\]/.test(x), 10_000);
  term.show('key 6: the Logs view, tokens redacted', s);
  expect(s).toContain('GH_TOKEN=[REDACTED:github-token]');
  expect(s).not.toContain('ghp_');
  expect(s).not.toContain('sk-ant-');
  expectFits(term, s);
  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);
  expect((await g.down()).code).toBe(0);
}, 40_000);

test("agor dash on an 80x24 terminal: the Logs view shows a Claude Code transcript in readable form, and a failed agent's Fleet row says why", async ({
  onTestFinished,
}) => {
  const transcript = join(ROOT, 'tests', 'fixtures', 'transcripts', 'claude-stream.jsonl');
  const g = group(onTestFinished, {
    agents: {
      coder: { command: sh(`cat '${transcript}'; exec sleep 300`), stop_grace: '1s' },
      broke: { mode: 'on-demand', restart: { max_retries: 0 }, command: sh('echo "fatal: remote rejected: 401 Unauthorized"; echo; exit 3') },
    },
  });
  await g.up();
  expect((await g.agor(['wake', 'broke'])).code).toBe(0);
  await g.waitRuns('broke', 'a failed run', (rs) => rs[0]?.outcome === 'failed');
  const term = terminal(onTestFinished, 'logs-readable', 80, 24);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db]);
  let s = await term.waitFor('the Fleet with why broke failed', (x) => titleIs('Fleet')(x) && /exit 3/.test(x), 15_000);
  term.show('the Fleet: a failed agent says why', s);
  expect(s).toMatch(/broke .*last failed \(auth\) exit 3: fatal: remote re/);
  s = await term.press('6', 'the Logs view with the transcript rendered', (x) => titleIs('Logs')(x) && /LOG OF coder/.test(x) && /done \(\$0\.0421/.test(x), 10_000);
  term.show('key 6: the Logs view, a transcript in readable form', s);
  expect(s).toContain('Edit src/app.ts');
  expect(s).toContain('Bash: npm test');
  expect(s).not.toContain('"type":');
  expectFits(term, s);
  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);
  expect((await g.down()).code).toBe(0);
}, 40_000);

test("agor dash on an 80x24 terminal: the Logs view shows a run's own keyring secret redacted by name", async ({ onTestFinished }) => {
  const kr = await startKeyring();
  onTestFinished(() => kr.stop());
  // Not a well-known token shape: only the run's own value can find it.
  const value = `dash-${process.pid}-s3cret-value`;
  const g = group(onTestFinished, {
    agents: { keyed: { command: sh('echo "pw $PW"; exec sleep 300'), stop_grace: '1s', secrets: [{ name: 'PW', from: 'API_PASSWORD' }] } },
  });
  const set = await g.agor(['secret', 'set', 'API_PASSWORD', '--agent', 'keyed', '-f', g.file], { env: kr.env, input: `${value}\n` });
  expect(set.code, set.stderr).toBe(0);
  await g.up(kr.env);
  await g.waitAgent('keyed', 'is running', (a) => a.pid !== null);
  const term = terminal(onTestFinished, 'logs-secret', 80, 24);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db], kr.env);
  let s = await term.waitFor('the Fleet', titleIs('Fleet'), 15_000);
  s = await term.press('6', 'the Logs view with the redacted secret', (x) => titleIs('Logs')(x) && /pw \[REDACTED:PW\]/.test(x), 10_000);
  term.show('key 6: the Logs view, the secret redacted', s);
  expect(s).not.toContain(value);
  expectFits(term, s);
  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);
  expect((await g.down()).code).toBe(0);
}, 40_000);

test('agor dash whose keyring cannot be reached: the Logs view still shows the log, and its header says secret values are not redacted', async ({
  onTestFinished,
}) => {
  const kr = await startKeyring();
  onTestFinished(() => kr.stop());
  const g = group(onTestFinished, {
    agents: { keyed: { command: sh('echo "pw is set"; exec sleep 300'), stop_grace: '1s', secrets: [{ name: 'PW', from: 'API_PASSWORD' }] } },
  });
  const set = await g.agor(['secret', 'set', 'API_PASSWORD', '-f', g.file], { env: kr.env, input: `dash-unreached-${process.pid}\n` });
  expect(set.code, set.stderr).toBe(0);
  await g.up(kr.env);
  await g.waitAgent('keyed', 'is running', (a) => a.pid !== null);
  // The terminal's environment has no session bus.
  const term = terminal(onTestFinished, 'logs-no-keyring', 120, 24);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db]);
  let s = await term.waitFor('the Fleet', titleIs('Fleet'), 15_000);
  s = await term.press(
    '6',
    'the Logs view saying the keyring is unreadable',
    (x) => titleIs('Logs')(x) && /keyring unreadable: values not redacted {2}\(/.test(x),
    15_000,
  );
  term.show('key 6: the Logs view without a keyring', s);
  expect(s).toContain('pw is set');
  expectFits(term, s);
  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);
  expect((await g.down()).code).toBe(0);
}, 40_000);
