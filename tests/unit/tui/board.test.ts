import { describe, expect, test } from 'vitest';
import { FakeSource, fixture, task } from './fake-source.js';
import { KEY, renderApp } from './render.js';

describe('the board view', () => {
  test('shows the five states as columns with titles, priorities and assignees', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    await r.press('2');
    const f = await r.waitFor('BLOCKED');
    for (const s of ['TODO', 'PROGRESS', 'REVIEW', 'DONE', 'BLOCKED']) expect(f).toContain(s);
    expect(f).toContain('L Write the');
    expect(f).toContain('C Rotate the');
    expect(f).toContain('H Fix the lo');
    expect(f).toContain('@worker-1');
    expect(f).toContain('@worker-2');
    expect(f).toContain('M Set up CI');
  });

  test('enter opens the selected task with its comments and history, and esc goes back', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('2');
    await r.waitFor('TODO');
    await r.press(KEY.enter);
    const f = await r.waitFor('COMMENTS');
    expect(f).toContain('task0002 Write the release notes');
    expect(f).toContain('state todo');
    expect(f).toContain('priority low');
    expect(f).toContain('Summarise the changes since 0.1.');
    expect(f).toContain('depends on task0005 [done] Set up CI');
    expect(f).toContain('COMMENTS (1)');
    expect(f).toContain('reviewer');
    expect(f).toContain('Mention the new dashboard.');
    expect(f).toContain('HISTORY (2)');
    expect(f).toContain('priority: medium → low');
    expect(s.readsOf('task').map((c) => c.args[0])).toContain('task0002bbbb');
    await r.press(KEY.esc);
    await r.waitFor('BLOCKED');
  });

  test('left and right choose the column, up and down the task', async () => {
    const r = await renderApp(fixture());
    await r.press('2');
    await r.waitFor('TODO');
    await r.press(KEY.down, KEY.enter);
    await r.waitFor('task0003 Rotate the API keys');
    await r.press(KEY.esc, KEY.right, KEY.right, KEY.right, KEY.right, KEY.right, KEY.enter);
    // The last column is as far as right goes.
    await r.waitFor('task0006 Migrate the database');
  });

  test('scrolls a long column to keep the selected task in view', async () => {
    const s = new FakeSource();
    s.boardData.todo = Array.from({ length: 60 }, (_, i) => task({ id: `t${String(i).padStart(3, '0')}xxxxx`, title: `item ${i}.` }));
    const r = await renderApp(s, { columns: 80, rows: 24 });
    await r.press('2');
    let f = await r.waitFor('1/60');
    expect(f).toContain('item 0.');
    expect(f).not.toContain('item 59.');
    await r.press(...Array.from({ length: 59 }, () => KEY.down));
    f = await r.waitFor('60/60');
    expect(f).toContain('item 59.');
    expect(f).not.toContain('item 0.');
  });

  test('says how to add a task when the board is empty', async () => {
    const r = await renderApp(new FakeSource());
    await r.press('2');
    await r.waitFor('no tasks: add one with bttask add "title"');
  });
});
