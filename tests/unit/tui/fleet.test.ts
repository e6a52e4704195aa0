import { describe, expect, test } from 'vitest';
import { FakeSource, fixture, fleetAgent } from './fake-source.js';
import { KEY, renderApp } from './render.js';

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

  test('shows the stall timer as the time since the last output of running agents', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    const f = await r.waitFor('worker-1');
    expect(rowOf(f, 'worker-1')).toMatch(/ 4[2-4]s /);
    expect(rowOf(f, 'worker-2')).toMatch(/ 16m4\ds /);
    // Agents without a process have no stall timer.
    expect(rowOf(f, 'scout')).not.toMatch(/\d+s /);
  });

  test('shows role and last outcome as columns when the terminal is wide enough', async () => {
    const r = await renderApp(fixture(), { columns: 120, rows: 30 });
    const f = await r.waitFor('OUTCOME');
    expect(f).toContain('ROLE');
    expect(rowOf(f, 'worker-2')).toContain('timeout');
    expect(rowOf(f, 'reviewer')).toContain('reviewer');
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
