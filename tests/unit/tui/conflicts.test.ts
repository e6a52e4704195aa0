import { describe, expect, test } from 'vitest';
import { fixture } from './fake-source.js';
import { KEY, renderApp } from './render.js';

const statusLine = (f: string) => f.split('\n').at(-2) ?? '';

describe('the conflicts view', () => {
  test('lists open conflicts with kind, agents, files and status, file names escaped', async () => {
    const s = fixture();
    s.openConflicts.push({ ...s.openConflicts[0]!, id: 5, ref: '5', kind: 'external', agents: [], files: ['evil\x1b[2J\nname'] });
    const r = await renderApp(s, { columns: 100, rows: 24 });
    await r.press('8');
    const f = await r.waitFor('src/app.ts');
    expect(f).toMatch(/ID\s+KIND\s+AGENTS\s+FILES\s+SEEN\s+STATUS/);
    expect(f).toMatch(/2\s+overlap\s+worker-1,worker-2\s+src\/app\.ts\s+\d+s\s+open/);
    expect(f).toContain('"evil\\x1b[2J\\nname"');
    expect(f).not.toContain('\x1b[2J');
  });

  test('a asks for a note, confirms with y, then acknowledges the selected conflict', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('8');
    await r.waitFor('src/app.ts');
    await r.press('a');
    await r.waitFor('acknowledge conflict 2: note');
    await r.press(KEY.enter);
    expect(statusLine(await r.waitFor('[y/n]'))).toContain('acknowledge the overlap conflict 2 of worker-1, worker-2 on src/app.ts?');
    expect(s.calls).toEqual([]);
    await r.press('y');
    await r.waitFor('acknowledged conflict 2');
    expect(s.calls).toEqual([{ method: 'ackConflict', args: ['2'] }]);
  });

  test('the Fleet shows the selected agent’s open conflicts', async () => {
    const r = await renderApp(fixture(), { columns: 120, rows: 30 });
    const f = await r.waitFor('conflicts (8 to see');
    expect(f).toContain('#2 overlap with worker-2: src/app.ts');
  });

  test('says so when the source has no conflicts', async () => {
    const s = fixture();
    (s as { conflicts?: unknown }).conflicts = undefined;
    const r = await renderApp(s);
    await r.press('8');
    await r.waitFor('conflicts are not available for this host');
  });
});
