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
    expect(f).toContain('H Fix the ');
    expect(f).toContain(' login form ');
    expect(f).toContain('@worker-1');
    expect(f).toContain('@worker-2');
    expect(f).toContain('M Set up CI');
  });

  test.each([
    [80, 24],
    [100, 30],
  ])('at %ix%i, cards whose titles begin alike can be told apart, and the line below shows the selected one in full', async (columns, rows) => {
    const s = fixture();
    s.boardData.todo = [
      task({ id: 'task0007gggg', title: 'Write the schema', assigned_to: 'worker-1' }),
      task({ id: 'task0008hhhh', title: 'Write the docs', assigned_to: 'worker-2' }),
      task({ id: 'task0009iiii', title: 'Write the schema for the users table and all of its indexes', priority: 'high' }),
    ];
    const r = await renderApp(s, { columns, rows });
    await r.press('2');
    const f = await r.waitFor('BLOCKED');
    // The TODO column: each card's title on up to two lines, then its assignee.
    const todo = f
      .split('\n')
      .map((l) => /^│(.*?)│/.exec(l)?.[1]?.trim() ?? '')
      .filter(Boolean);
    const at = (text: string) => todo.indexOf(text);
    expect(todo).toContain('schema');
    expect(todo).toContain(columns === 80 ? 'docs' : 'M Write the docs');
    expect(at('@worker-1')).toBeGreaterThan(at('schema'));
    expect(todo.some((l) => l.startsWith('schema for') && l.endsWith('…'))).toBe(true);
    // The line under the board: the selected card, title in full.
    const detail = f.split('\n').at(-3)!;
    expect(detail).toContain('task0007 Write the schema · medium · @worker-1');
    await r.press(KEY.down, KEY.down);
    const g = await r.waitFor('task0009 ');
    expect(g.split('\n').at(-3)).toContain('task0009 Write the schema for the users table and all of its indexes · high');
    for (const l of g.split('\n')) expect([...l].length, l).toBeLessThanOrEqual(columns);
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
