import chalk from 'chalk';
import { describe, expect, test } from 'vitest';
import { FakeSource, fixture, fleetAgent } from './fake-source.js';
import { KEY, renderApp } from './render.js';

const ESC = '\x1b';
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

const rowOf = (frame: string, id: string) => frame.split('\n').find((l) => l.includes(` ${id} `)) ?? '';

describe('the fleet view', () => {
  test('shows one row per agent with its activity dot, state, health, pid, uptime, restarts, unread and claimed task', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    const f = await r.waitFor('worker-1');
    for (const id of ['worker-1', 'worker-2', 'reviewer', 'tester', 'scout', 'archivist']) expect(f).toContain(id);
    const w1 = rowOf(f, 'worker-1');
    expect(w1).toContain('●');
    expect(w1).toContain('running');
    expect(w1).toContain('healthy');
    expect(w1).toContain('31337');
    expect(w1).toMatch(/1h0[12]m/);
    expect(w1).toMatch(/ 2 +3 /);
    expect(w1).toContain('task0001');
    expect(rowOf(f, 'worker-2')).toMatch(/◐ worker-2 +stalled +degraded/);
    expect(rowOf(f, 'tester')).toMatch(/✗ tester +failed +failed/);
    expect(rowOf(f, 'reviewer')).toContain('○');
    expect(rowOf(f, 'scout')).toContain('◌');
    expect(rowOf(f, 'archivist')).toContain('·');
  });

  test('counts the stall timer from the later of the last output and the last heartbeat', async () => {
    const s = new FakeSource();
    s.agents = [
      fleetAgent({ id: 'beating', state: 'running', pid: 7, started_at: ago(600), last_output_at: ago(300), last_heartbeat_at: ago(20), stall_after_s: 60 }),
    ];
    const r = await renderApp(s, { columns: 80, rows: 24 });
    const f = await r.waitFor('beating');
    expect(rowOf(f, 'beating')).toMatch(/ 2[0-2]s /);
  });

  test("follows a busy agent's output through the source's activity times, without reading the fleet again", async () => {
    const s = new FakeSource();
    // As the fleet was last read: silent for 18 s, past its stall_after of 8 s.
    s.agents = [fleetAgent({ id: 'busy', state: 'running', pid: 7, started_at: ago(600), last_output_at: ago(18), stall_after_s: 8 })];
    const r = await renderApp(s, { columns: 80, rows: 24 });
    expect(rowOf(await r.waitFor('busy'), 'busy')).toMatch(/ 1[89]s /);
    const reads = s.readsOf('fleet').length;
    // The agent printed a moment ago; the source knows it, and says nothing.
    s.times.set('busy', { last_output_at: new Date().toISOString(), last_heartbeat_at: null });
    const f = await r.waitFor((x) => / [0-3]s /.test(rowOf(x, 'busy')), 4000);
    expect(rowOf(f, 'busy')).toMatch(/busy +running +healthy/);
    expect(s.readsOf('fleet').length).toBe(reads);
  });

  test('colours the stall timer red only when the state says stalled, amber from half of stall_after', async () => {
    chalk.level = 3;
    const s = new FakeSource();
    s.agents = [
      // Past its limit by the clock, but the supervisor has not said stalled: amber, not red.
      fleetAgent({ id: 'late', state: 'running', pid: 7, started_at: ago(600), last_output_at: ago(64), stall_after_s: 20 }),
      fleetAgent({ id: 'half', state: 'running', pid: 8, started_at: ago(600), last_output_at: ago(12), stall_after_s: 20 }),
      fleetAgent({ id: 'fresh', state: 'running', pid: 9, started_at: ago(600), last_output_at: ago(2), stall_after_s: 20 }),
      fleetAgent({ id: 'stuck', state: 'stalled', health: 'degraded', pid: 10, started_at: ago(600), last_output_at: ago(25), stall_after_s: 20 }),
    ];
    const r = await renderApp(s, { columns: 80, rows: 24, env: { LANG: 'en_US.UTF-8', FORCE_COLOR: '1' } });
    const f = await r.waitFor('stuck');
    expect(f).toContain(ESC);
    const red = `${ESC}[31m`;
    const amber = `${ESC}[33m`;
    expect(f).toMatch(new RegExp(`\\x1b\\[33m1m0[4-6]s`));
    expect(f).toMatch(new RegExp(`\\x1b\\[33m1[2-4]s`));
    expect(f).toMatch(new RegExp(`\\x1b\\[31m2[5-7]s`));
    // Red appears nowhere but on the stalled agent's row.
    const rows = f.split('\n');
    for (const id of ['late', 'half', 'fresh'])
      expect(
        rows.find((l) => l.includes(id)),
        id,
      ).not.toContain(red);
    expect(rows.find((l) => l.includes('fresh'))).not.toContain(amber);
  });

  test('shows the stall timer as the time since the last output of running agents', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    const f = await r.waitFor('worker-1');
    expect(rowOf(f, 'worker-1')).toMatch(/ 4[2-4]s /);
    expect(rowOf(f, 'worker-2')).toMatch(/ 16m4\ds /);
    // Agents without a process have no stall timer.
    expect(rowOf(f, 'scout')).not.toMatch(/\d+s /);
  });

  test('shows the last outcome as a column from 90 columns, and the role too from 106', async () => {
    const r = await renderApp(fixture(), { columns: 120, rows: 30 });
    let f = await r.waitFor('OUTCOME');
    expect(f).toContain('ROLE');
    expect(rowOf(f, 'worker-2')).toContain('timeout');
    expect(rowOf(f, 'reviewer')).toContain('reviewer');
    await r.resize(100, 30);
    f = await r.waitFor((x) => !x.includes('ROLE'));
    expect(f).toContain('OUTCOME');
    expect(rowOf(f, 'worker-2')).toContain('timeout');
    expect(rowOf(f, 'worker-1')).toContain('success');
    // At 80 the line below the table says it, for the selected agent.
    await r.resize(80, 24);
    f = await r.waitFor((x) => !x.includes('OUTCOME'));
    expect(f).toContain('worker-1 · role project · service/persistent · last success');
  });

  test("says why a failed agent failed: the class and the last line of its last run's note", async () => {
    const s = fixture();
    const tester = s.agents.find((a) => a.id === 'tester')!;
    Object.assign(tester, {
      last_outcome: 'failed',
      last_error_class: 'auth',
      last_note: 'retrying with the cached key\nHTTP 401: token \x1b[31mexpired\x1b]0;owned\x07\n',
    });
    const r = await renderApp(s, { columns: 100, rows: 30 });
    let f = await r.waitFor('ATTENTION');
    // In the attention queue, where a failed agent always is.
    expect(f).toMatch(/90 +✗ tester +error · last failed \(auth\): HTTP 401: token expired/);
    // The note is the agent's text: its escape sequences never reach the terminal.
    expect(f).not.toContain(ESC);
    // And in the detail line when it is selected.
    await r.press(KEY.down, KEY.down, KEY.down);
    f = await r.waitFor((x) => /^›/.test(rowOf(x, 'tester')));
    expect(f).toContain('tester · role tester · service/persistent · last failed (auth): HTTP 401: token expired');
  });

  test('lists the top five agents by attention, highest first, with their reasons', async () => {
    const s = fixture();
    for (let i = 0; i < 4; i++) s.agents.push(fleetAgent({ id: `extra-${i}`, attention: 10 + i, attention_reason: `${i + 1} in review queue` }));
    const r = await renderApp(s, { columns: 100, rows: 30 });
    const f = await r.waitFor('ATTENTION');
    const queue = f.slice(f.indexOf('ATTENTION')).split('\n').slice(1, 6);
    expect(queue[0]).toMatch(/100 +◐ worker-2 +stalled/);
    expect(queue[1]).toMatch(/90 +✗ tester +error/);
    expect(queue[2]).toMatch(/30 +○ reviewer +3 in review queue/);
    expect(queue[3]).toMatch(/13 +○ extra-3/);
    expect(queue[4]).toMatch(/12 +○ extra-2/);
    expect(f).not.toMatch(/11 +○ extra-1/);
  });

  test('moves the selection with the arrow keys and details the selected agent', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    await r.waitFor('worker-1');
    expect(rowOf(r.frame(), 'worker-1')).toMatch(/^›/);
    await r.press(KEY.down);
    const f = await r.waitFor((f) => /^›/.test(rowOf(f, 'worker-2')));
    expect(f).toContain('worker-2 · role project');
    expect(rowOf(f, 'worker-1')).not.toMatch(/^›/);
  });

  test('tells the operator how to start a group when there are no agents', async () => {
    const s = new FakeSource();
    s.status = { state: 'none', pid: null, group: null };
    const r = await renderApp(s, { columns: 80, rows: 24 });
    const f = await r.waitFor('no agents');
    expect(f).toContain('no agents: start a group with agor up -f agor.yaml');
    expect(f).toContain('group -');
  });

  test('shows only the rows that fit, with the position in the header', async () => {
    const s = new FakeSource();
    s.agents = Array.from({ length: 100 }, (_, i) => fleetAgent({ id: `agent-${String(i).padStart(3, '0')}` }));
    const r = await renderApp(s, { columns: 80, rows: 24 });
    const f = await r.waitFor('agent-000');
    expect(f.split('\n')[1]).toMatch(/TASK +1-\d+\/100$/);
    expect(f).not.toContain('agent-099');
    expect(f.split('\n').length).toBeLessThanOrEqual(23);
    await r.press(KEY.pageDown, KEY.pageDown, KEY.pageDown, KEY.pageDown, KEY.pageDown, KEY.pageDown, KEY.pageDown, KEY.pageDown);
    await r.waitFor('agent-099');
  });
});

describe('the title bar', () => {
  test('shows the source, the supervisor pid and the group', async () => {
    const r = await renderApp(fixture(), { columns: 100, rows: 30 });
    const title = (await r.waitFor('supervisor')).split('\n')[0]!;
    expect(title).toContain('agor.db');
    expect(title).toContain('supervisor pid 4242');
    expect(title).toContain('group dev');
  });

  test('says when no supervisor runs', async () => {
    const s = fixture();
    s.status = { state: 'none', pid: null, group: 'dev' };
    const r = await renderApp(s);
    expect((await r.waitFor('no supervisor')).split('\n')[0]).toContain('no supervisor: showing the database');
  });

  test('says when the supervisor went away, as soon as the source notifies', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('supervisor pid 4242');
    s.status = { state: 'lost', pid: 4242, group: 'dev' };
    s.emit();
    const f = await r.waitFor('supervisor went away');
    expect(f.split('\n')[0]).toContain('supervisor went away: showing the database');
  });
});

describe('budgets in the fleet view', () => {
  test('puts an agent held by its spent budget in the attention queue and says in its detail line when the budget resets', async () => {
    const s = new FakeSource();
    s.agents = [
      fleetAgent({
        id: 'spender',
        state: 'dormant',
        mode: 'on-demand',
        pending_wakes: 1,
        attention: 85,
        attention_reason: 'budget spent',
        budget: { status: 'spent', scope: 'agent', period: 'daily', kind: 'cost', spent: 5.2, limit: 5, percent: 104, resets_at: '2026-03-29T22:00:00.000Z' },
      }),
      fleetAgent({
        id: 'thrifty',
        budget: { status: 'near', scope: 'group', period: 'monthly', kind: 'tokens', spent: 850, limit: 1000, percent: 85, resets_at: '2026-03-31T22:00:00.000Z' },
      }),
    ];
    const r = await renderApp(s, { columns: 120, rows: 30 });
    const f = await r.waitFor('budget spent: daily 5.20/5.00 USD, resets 2026-03-29 22:00Z');
    expect(f).toMatch(/85 +. spender +budget spent/);
    r.stdin.write(KEY.down);
    expect(await r.waitFor('budget 85% of group monthly tokens')).toContain('thrifty');
  });
});
