import { describe, expect, test } from 'vitest';
import { clockTime } from '../../../src/tui/format.js';
import { MultiSource } from '../../../src/tui/multi.js';
import { type FakeSource, fixture, fleetAgent, task } from './fake-source.js';
import { KEY, renderApp } from './render.js';

const statusLine = (f: string) => f.split('\n').at(-2) ?? '';
const at = (ms: number) => clockTime(new Date(ms).toISOString());

/** Two hosts: h1 the usual team, h2 two agents and a board of its own. */
function hosts(): { h1: FakeSource; h2: FakeSource; multi: MultiSource } {
  const h1 = fixture();
  const h2 = fixture();
  h2.label = 'wss://10.0.0.2:7650';
  h2.agents = [fleetAgent({ id: 'alpha', state: 'running', pid: 900 }), fleetAgent({ id: 'beta', state: 'idle' })];
  h2.boardData = { todo: [task({ id: 'h2task01xxxx', title: 'Only on the second host' })], progress: [], review: [], done: [], blocked: [] };
  const multi = new MultiSource([
    { name: 'h1', source: h1 },
    { name: 'h2', source: h2 },
  ]);
  return { h1, h2, multi };
}

describe('a dashboard over several hosts', () => {
  test('the Fleet shows each host on a line of its own, with its link, above its agents', async () => {
    const { multi } = hosts();
    const r = await renderApp(multi, { columns: 100, rows: 30 });
    const f = await r.waitFor('h2 connected');
    const lines = f.split('\n');
    const h1 = lines.findIndex((l) => /^h1 connected · 6 agents · \/home\/op/.test(l));
    const h2 = lines.findIndex((l) => /^h2 connected · 2 agents · wss:\/\/10\.0\.0\.2:7650/.test(l));
    expect(h1, f).toBeGreaterThan(0);
    expect(h2, f).toBeGreaterThan(h1);
    // Under its host's line an agent goes by its own id; the detail line names it host/agent.
    expect(lines.slice(h2 + 1, h2 + 3).join('\n')).toMatch(/alpha[\s\S]*beta/);
    expect(f).toMatch(/h1\/worker-1 · role project/);
    expect(lines[0]).toMatch(/^agor Fleet host h1: \/home\/op/);
  });

  test('a host that lost its relay says when it will try again, greys its agents, and refuses actions on them', async () => {
    const { h2, multi } = hosts();
    const lost = Date.now() - 30_000;
    h2.conn = { state: 'reconnecting', next: Date.now() + 4500, lostSince: lost, error: 'connect ECONNREFUSED' };
    const r = await renderApp(multi, { columns: 100, rows: 30 });
    let f = await r.waitFor(`h2 reconnecting in 5 s (lost ${at(lost)})`);
    // The countdown runs without any notification from the source.
    f = await r.waitFor(`h2 reconnecting in 3 s (lost ${at(lost)})`, 4000);
    expect(f).toMatch(/alpha/);
    // Select alpha (h1's six agents come first) and try to stop it.
    await r.press(...Array<string>(6).fill(KEY.down));
    await r.waitFor('h2/alpha · role');
    await r.press('x');
    await r.waitFor('stop h2/alpha? [y/n]');
    await r.press('y');
    f = await r.waitFor('h2 is reconnecting: nothing was sent');
    expect(statusLine(f)).toMatch(/h2 is reconnecting: nothing was sent/);
    expect(h2.calls).toEqual([]);

    h2.conn = { state: 'refused', error: 'the certificate of wss://10.0.0.2:7650 changed', lostSince: lost };
    h2.emit();
    await r.waitFor(`h2 lost since ${at(lost)}: the certificate of wss://10.0.0.2:7650 changed`);
    h2.conn = { state: 'connected', since: Date.now() };
    h2.emit();
    await r.waitFor('h2 connected');
  });

  test('an action on a connected host goes to that host with the bare agent id', async () => {
    const { h1, h2, multi } = hosts();
    const r = await renderApp(multi, { columns: 100, rows: 30 });
    await r.waitFor('h2 connected');
    await r.press(...Array<string>(7).fill(KEY.down));
    await r.waitFor('h2/beta · role');
    await r.press('s');
    await r.waitFor('start h2/beta? [y/n]');
    await r.press('y');
    await r.waitFor('started h2/beta');
    expect(h2.calls).toEqual([{ method: 'start', args: [['beta']] }]);
    expect(h1.calls).toEqual([]);
  });

  test('the Board shows the selected host under a row of host tabs, and H goes to the next host', async () => {
    const { multi } = hosts();
    const r = await renderApp(multi, { columns: 100, rows: 30 });
    await r.waitFor('h2 connected');
    await r.press('2');
    let f = await r.waitFor('Write the release notes');
    expect(f.split('\n')[1]).toMatch(/^HOST \[h1\] h2 +H next host/);
    await r.press('H');
    f = await r.waitFor('Only on the second host');
    expect(f.split('\n')[1]).toMatch(/^HOST +h1 \[h2\]/);
    expect(f).not.toContain('Write the release notes');
    expect(f.split('\n')[0]).toMatch(/host h2: wss:\/\/10\.0\.0\.2:7650/);
    await r.press('H');
    await r.waitFor('Write the release notes');
  });

  test('one remote host out of reach says so in the title bar, in place of the supervisor it last reported', async () => {
    const s = fixture();
    s.label = 'wss://10.0.0.2:7650';
    const r = await renderApp(s, { columns: 100, rows: 30 });
    expect((await r.waitFor('worker-1')).split('\n')[0]).toMatch(/supervisor pid 4242/);
    const lost = Date.now() - 5000;
    s.conn = { state: 'reconnecting', next: Date.now() + 2000, lostSince: lost, error: 'connect ECONNREFUSED' };
    s.emit();
    const f = await r.waitFor(`relay reconnecting (lost ${at(lost)}): showing the last data`);
    expect(f.split('\n')[0]).toMatch(/^agor Fleet wss:\/\/10\.0\.0\.2:7650 +relay reconnecting/);
    expect(f).not.toMatch(/^h\d /m);
    s.conn = { state: 'connected', since: Date.now() };
    s.emit();
    await r.waitFor('supervisor pid 4242');
  });

  test('with one host nothing of this shows: no host line, no host tabs, and H does nothing', async () => {
    const r = await renderApp(fixture(), { columns: 100, rows: 30 });
    let f = await r.waitFor('worker-1');
    expect(f).not.toMatch(/connected/);
    await r.press('2');
    f = await r.waitFor('Write the release notes');
    expect(f).not.toMatch(/HOST/);
    await r.press('H');
    expect(r.frame()).toBe(f);
  });
});
