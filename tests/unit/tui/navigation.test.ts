import { describe, expect, test, vi } from 'vitest';
import { fixture } from './fake-source.js';
import { KEY, renderApp } from './render.js';

const helpLine = (f: string) => f.split('\n').at(-1) ?? '';

describe('switching views', () => {
  test('number keys switch views and the help line marks the current one', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    expect(helpLine(await r.waitFor('[1 Fleet]'))).toContain('2 Board');
    const views: [string, string, string][] = [
      ['2', '[2 Board]', 'PROGRESS'],
      ['3', '[3 Comms]', 'FEED'],
      ['4', '[4 Runs]', 'RUNS OF worker-1'],
      ['5', '[5 Audit]', 'AUDIT'],
      ['6', '[6 Logs]', 'LOG OF worker-1'],
      ['1', '[1 Fleet]', 'ATTENTION'],
    ];
    for (const [key, tab, content] of views) {
      await r.press(key);
      const f = await r.waitFor(content);
      expect(helpLine(f)).toContain(tab);
      expect(f.split('\n')[0]).toContain(tab.slice(3, -1));
    }
  });

  test('tab cycles forward and shift-tab backward, wrapping around', async () => {
    const r = await renderApp(fixture());
    await r.waitFor('[1 Fleet]');
    await r.press(KEY.tab);
    await r.waitFor('[2 Board]');
    await r.press(KEY.shiftTab, KEY.shiftTab);
    await r.waitFor('[8 Conflicts]');
    await r.press(KEY.tab);
    await r.waitFor('[1 Fleet]');
  });

  test('? shows every key and ? again goes back to the view', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    await r.press('?');
    const f = await r.waitFor('Prompts');
    for (const k of ['tab S-tab', 'start, stop, restart', 'wake it', 'move the task', 'comment on the task', 'filter agent, type']) expect(f).toContain(k);
    await r.press('?');
    await r.waitFor('ATTENTION');
  });

  test('the Runs and Logs views follow the agent selected in the Fleet', async () => {
    const r = await renderApp(fixture());
    await r.waitFor('worker-1');
    await r.press(KEY.down);
    await r.press('4');
    await r.waitFor('RUNS OF worker-2');
    await r.press(KEY.down, '6');
    await r.waitFor('LOG OF reviewer');
  });

  test('a view comes back as it was left', async () => {
    const r = await renderApp(fixture());
    await r.press('2', KEY.right);
    await r.waitFor('›PROGRESS');
    await r.press('1', '2');
    await r.waitFor('›PROGRESS');
  });
});

describe('leaving', () => {
  test('q calls onExit and never stops an agent', async () => {
    const onExit = vi.fn();
    const s = fixture();
    const r = await renderApp(s, { onExit });
    await r.waitFor('worker-1');
    await r.press('q');
    expect(onExit).toHaveBeenCalledOnce();
    expect(s.calls).toEqual([]);
  });

  test('q also leaves from the too-small screen', async () => {
    const onExit = vi.fn();
    const r = await renderApp(fixture(), { columns: 60, rows: 20, onExit });
    await r.waitFor('enlarge');
    await r.press('q');
    expect(onExit).toHaveBeenCalledOnce();
  });
});

describe('keys that do not apply', () => {
  test('are ignored: agent actions on the Comms view, board actions on the Fleet', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    await r.press('v', 'c', 'a', 't', 'z', KEY.enter, KEY.esc);
    expect(r.frame()).not.toMatch(/\[y\/n\]|: █/);
    await r.press('3', 's', 'x', 'r', 'w', 'v', 'c');
    const f = r.frame();
    expect(f).toContain('FEED');
    expect(f).not.toMatch(/\[y\/n\]|: █/);
    expect(s.calls).toEqual([]);
  });
});

describe('keys that arrive together', () => {
  // Over ssh, or from tmux send-keys Down Down Down, several keys come in one read.
  test('three Downs in one read move the selection three rows', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    await r.waitFor('worker-1');
    r.stdin.write(KEY.down + KEY.down + KEY.down);
    const f = await r.waitFor((x) => /^› \S\s+tester /m.test(x));
    expect(f).not.toMatch(/^› \S\s+(worker-2|reviewer) /m);
    r.stdin.write(KEY.up + KEY.up);
    await r.waitFor((x) => /^› \S\s+worker-2 /m.test(x));
  });

  test('every key of a read counts, in order: views, board moves, a question and its answer', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    // 2, right, right, enter: the Board, third column, its task opened.
    r.stdin.write('2' + KEY.right + KEY.right + KEY.enter);
    await r.waitFor('task0004 Add rate limiting');
    // esc, 1, down, x, y: back to the Fleet, and worker-2 stopped, asked and answered.
    r.stdin.write(KEY.esc + '1' + KEY.down + 'xy');
    await r.waitFor('stopped worker-2');
    expect(s.calls).toEqual([{ method: 'stop', args: [['worker-2']] }]);
  });

  test('a paste goes whole into a prompt, and what follows it in the same read still counts', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    r.stdin.write('m');
    await r.waitFor('message to worker-1:');
    r.stdin.write('deploy now, then q' + KEY.enter + 'y');
    await r.waitFor('sent to worker-1');
    expect(s.calls).toEqual([{ method: 'send', args: ['worker-1', 'deploy now, then q'] }]);
  });
});
