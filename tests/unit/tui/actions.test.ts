import { describe, expect, test } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { fixture } from './fake-source.js';
import { KEY, renderApp } from './render.js';

const statusLine = (f: string) => f.split('\n').at(-2) ?? '';

describe('agent actions', () => {
  test('x asks for confirmation, then stops the selected agent', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    await r.press(KEY.down, 'x');
    expect(statusLine(await r.waitFor('[y/n]'))).toContain('stop worker-2?');
    expect(s.calls).toEqual([]);
    await r.press('y');
    await r.waitFor('stopped worker-2');
    expect(s.calls).toEqual([{ method: 'stop', args: [['worker-2']] }]);
  });

  test('an action key still works after the key of the view already on screen', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    await r.press('1', 's');
    await r.waitFor('start worker-1? [y/n]');
  });

  test('n at the prompt cancels the action', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    await r.press('r');
    await r.waitFor('restart worker-1? [y/n]');
    await r.press('n');
    await r.waitFor('cancelled');
    expect(s.calls).toEqual([]);
  });

  test('s starts the selected agent from the Runs view too', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('4');
    await r.waitFor('RUNS OF worker-1');
    await r.press(KEY.down, KEY.down, KEY.down);
    await r.waitFor('RUNS OF tester');
    await r.press('s');
    await r.waitFor('start tester? [y/n]');
    await r.press('y');
    await r.waitFor('started tester');
    expect(s.calls).toEqual([{ method: 'start', args: [['tester']] }]);
  });

  test('w asks for a reason, confirms, then wakes the agent with it', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    await r.press('w');
    await r.waitFor('wake worker-1: reason:');
    // An empty reason is refused; typing and backspace edit it.
    await r.press(KEY.enter);
    expect(r.frame()).toContain('wake worker-1: reason:');
    await r.type('check the queuex');
    await r.press(KEY.backspace);
    await r.waitFor('check the queue█');
    await r.press(KEY.enter);
    await r.waitFor('wake worker-1 (check the queue)? [y/n]');
    await r.press('y');
    await r.waitFor('woke worker-1');
    expect(s.calls).toEqual([{ method: 'wake', args: ['worker-1', 'check the queue'] }]);
  });

  test('m sends a message as admin to the selected agent', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    await r.press('m');
    await r.waitFor('message to worker-1:');
    await r.type('please rebase');
    await r.press(KEY.enter);
    await r.waitFor('send to worker-1 as admin: "please rebase"? [y/n]');
    await r.press('y');
    await r.waitFor('sent to worker-1');
    expect(s.calls).toEqual([{ method: 'send', args: ['worker-1', 'please rebase'] }]);
  });

  test('m on the Comms view asks for the recipient first', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('3');
    await r.waitFor('FEED');
    await r.press('m');
    await r.waitFor('message to (agent id):');
    await r.type('reviewer');
    await r.press(KEY.enter);
    await r.waitFor('message:');
    await r.type('hello');
    await r.press(KEY.enter, 'y');
    await r.waitFor('sent to reviewer');
    expect(s.calls).toEqual([{ method: 'send', args: ['reviewer', 'hello'] }]);
  });

  test('esc abandons a prompt without calling the source, and q typed in it is text', async () => {
    const onExit = () => {
      throw new Error('q must not leave while typing');
    };
    const s = fixture();
    const r = await renderApp(s, { onExit });
    await r.waitFor('worker-1');
    await r.press('m');
    await r.type('q');
    await r.waitFor('message to worker-1: q█');
    await r.press(KEY.esc);
    await r.waitFor('cancelled');
    expect(s.calls).toEqual([]);
  });

  test('an action that fails shows its message and hint in the status line, and the dashboard goes on', async () => {
    const s = fixture();
    s.failNext = new UserError('no supervisor is running', 'start one with: agor up -d');
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    await r.press('x', 'y');
    const f = await r.waitFor('error:');
    expect(statusLine(f)).toContain('error: no supervisor is running (start one with: agor up -d)');
    await r.press('2');
    await r.waitFor('BLOCKED');
  });
});

describe('board actions', () => {
  test('v chooses a state, takes an optional comment, confirms, then moves the task', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('2');
    await r.waitFor('TODO');
    await r.press('v');
    await r.waitFor('move task0002 to: [todo]');
    await r.press(KEY.right, KEY.right);
    await r.waitFor('[review]');
    await r.press(KEY.enter);
    await r.waitFor('comment:');
    await r.press(KEY.enter);
    await r.waitFor('move task0002 "Write the release notes" from todo to review? [y/n]');
    await r.press('y');
    await r.waitFor('moved task0002 to review');
    expect(s.calls).toEqual([{ method: 'moveTask', args: ['task0002bbbb', 'review'] }]);
  });

  test('c comments on the opened task', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('2');
    await r.waitFor('TODO');
    await r.press(KEY.enter);
    await r.waitFor('COMMENTS');
    await r.press('c');
    await r.waitFor('comment on task0002:');
    await r.type('done soon');
    await r.press(KEY.enter);
    await r.waitFor('[y/n]');
    await r.press('y');
    await r.waitFor('commented on task0002');
    expect(s.calls).toEqual([{ method: 'comment', args: ['task0002bbbb', 'done soon'] }]);
  });

  test('a refused move shows the reason in the status line', async () => {
    const s = fixture();
    s.failNext = new UserError('sending task 1a2b back from review needs a comment', 'say what to change');
    const r = await renderApp(s);
    await r.press('2');
    await r.waitFor('TODO');
    await r.press('v', '1', KEY.enter, 'y');
    await r.waitFor('error: sending task 1a2b back from review needs a comment (say what to change)');
  });
});
