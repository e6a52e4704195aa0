import { describe, expect, test } from 'vitest';
import { fixture } from './fake-source.js';
import { KEY, renderApp } from './render.js';

const statusLine = (f: string) => f.split('\n').at(-2) ?? '';

describe('the approvals queue', () => {
  test('lists pending requests with agent, action, age and the time left', async () => {
    const r = await renderApp(fixture(), { columns: 100, rows: 24 });
    await r.press('7');
    const f = await r.waitFor('rm -rf build');
    expect(f).toMatch(/ID\s+AGENT\s+ACTION\s+AGE\s+EXPIRES/);
    expect(f).toMatch(/3\s+worker-1\s+rm -rf build\s+1m3\ds\s+in 8m2\ds/);
    expect(f).toContain('detail: clean rebuild');
  });

  test('a asks for a note, confirms, then approves the selected request', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('7');
    await r.waitFor('rm -rf build');
    await r.press('a');
    await r.waitFor('approve request 3 of worker-1: note for the agent');
    await r.press('o', 'k', KEY.enter);
    expect(statusLine(await r.waitFor('[y/n]'))).toContain('approve "rm -rf build" of worker-1 with the note?');
    expect(s.calls).toEqual([]);
    await r.press('y');
    await r.waitFor('approved request 3 of worker-1');
    expect(s.calls).toEqual([{ method: 'approve', args: ['3', 'ok'] }]);
  });

  test('d denies without a note; n at the prompt cancels', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('7');
    await r.waitFor('rm -rf build');
    await r.press('d', KEY.enter);
    await r.waitFor('deny "rm -rf build" of worker-1? [y/n]');
    await r.press('n');
    await r.waitFor('cancelled');
    await r.press('d', KEY.enter, 'y');
    await r.waitFor('denied request 3 of worker-1');
    expect(s.calls).toEqual([{ method: 'deny', args: ['3'] }]);
  });

  test('says what to do when nothing is pending, and a and d do nothing', async () => {
    const s = fixture();
    s.pendingApprovals = [];
    const r = await renderApp(s);
    await r.press('7');
    await r.waitFor('no approval requests pending');
    await r.press('a', 'd');
    expect(s.calls).toEqual([]);
  });
});
