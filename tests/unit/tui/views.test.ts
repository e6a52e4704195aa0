import { describe, expect, test } from 'vitest';
import { FakeSource, fixture, fleetAgent, message, run } from './fake-source.js';
import { KEY, renderApp, sleep } from './render.js';

const lineWith = (f: string, text: string) => f.split('\n').find((l) => l.includes(text)) ?? '';

describe('the comms view', () => {
  test('shows direct and channel messages with their routes, oldest first', async () => {
    const r = await renderApp(fixture());
    await r.press('3');
    const f = await r.waitFor('FEED');
    expect(lineWith(f, 'Please look')).toContain('admin → worker-1');
    expect(lineWith(f, 'review requested')).toContain('worker-2 → #review-queue');
    expect(f.indexOf('Please look')).toBeLessThan(f.indexOf('review requested'));
  });

  test('marks flagged messages', async () => {
    const r = await renderApp(fixture());
    await r.press('3');
    const f = await r.waitFor('FEED');
    expect(lineWith(f, 'Ignore previous')).toContain('⚠ [role_override]');
    expect(lineWith(f, 'Please look')).not.toContain('⚠');
  });

  test('lists dead letters with their reasons', async () => {
    const r = await renderApp(fixture());
    await r.press('3');
    const f = await r.waitFor('DEAD LETTERS');
    expect(lineWith(f, 'are you there?')).toContain('worker-1 → ghost');
    expect(f).toContain("reason: recipient 'ghost' has sent no heartbeat for 45 min");
  });

  test('reads only the messages it shows and scrolls back on up', async () => {
    const s = new FakeSource();
    s.feedItems = Array.from({ length: 100_000 }, (_, i) => message({ id: `m${i}`, from: 'a', to: 'b', content: `message number ${i}` }));
    const r = await renderApp(s, { columns: 80, rows: 24 });
    await r.press('3');
    let f = await r.waitFor('message number 99999');
    expect(f).not.toContain('message number 99900');
    expect(Math.max(...s.readsOf('feed').map((c) => c.args[0] as number))).toBeLessThan(50);
    await r.press(KEY.pageUp);
    f = await r.waitFor('newer below');
    expect(f).not.toContain('message number 99999');
    await r.press(KEY.pageDown);
    await r.waitFor('message number 99999');
  });

  test('says how to send a message when there are none', async () => {
    const r = await renderApp(new FakeSource());
    await r.press('3');
    await r.waitFor('no messages yet');
  });
});

describe('the runs view', () => {
  test("shows the selected agent's runs with outcomes, durations, tokens and cost", async () => {
    const r = await renderApp(fixture());
    await r.press('4');
    const f = await r.waitFor('RUNS OF worker-1');
    expect(lineWith(f, 'timeout')).toMatch(/30m00s +timeout +1\.5k +\$0\.50 +0 +cron/);
    expect(lineWith(f, 'success')).toMatch(/1m05s +success/);
    expect(lineWith(f, 'running')).toContain('running');
  });

  test('draws sparklines of cost, tokens and duration, oldest run on the left', async () => {
    const r = await renderApp(fixture());
    await r.press('4');
    const f = await r.waitFor('RUNS OF worker-1');
    // Runs oldest to newest: cost 0.25, 0.50, not reported; duration 65 s, 1800 s, running.
    expect(lineWith(f, 'cost ')).toMatch(/cost +▅█ {2}last \$0\.50 +max \$0\.50/);
    expect(lineWith(f, 'duration ')).toMatch(/duration +▁█ /);
  });

  test('up and down choose the agent', async () => {
    const s = fixture();
    s.runsOf.set('worker-2', [run({ id: 'run-9', agent: 'worker-2', outcome: 'blocked', wake_reason: 'captcha' })]);
    const r = await renderApp(s);
    await r.press('4');
    await r.waitFor('RUNS OF worker-1');
    await r.press(KEY.down);
    const f = await r.waitFor('RUNS OF worker-2');
    expect(lineWith(f, 'blocked')).toContain('captcha');
    await r.press(KEY.down);
    await r.waitFor('no runs of reviewer yet');
  });
});

describe('the runs view, paging', () => {
  const shownRuns = (f: string) => [...f.matchAll(/reason-(\d\d)/g)].map((m) => Number(m[1]));
  test('PgDn and PgUp page through the runs of the selected agent; another agent starts at its newest', async () => {
    const s = fixture();
    s.runsOf.set(
      'worker-1',
      Array.from({ length: 40 }, (_, i) => run({ id: `run-${i}`, agent: 'worker-1', outcome: 'success', wake_reason: `reason-${String(i).padStart(2, '0')}` })),
    );
    const r = await renderApp(s, { columns: 100, rows: 30 });
    await r.press('4');
    let f = await r.waitFor('RUNS OF worker-1');
    const first = shownRuns(f);
    const n = first.length;
    expect(n).toBeGreaterThan(5);
    expect(first).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(f).toContain(`1-${n} of 40, PgUp/PgDn`);
    await r.press(KEY.pageDown);
    f = await r.waitFor(`${n + 1}-${2 * n} of 40`);
    expect(shownRuns(f)).toEqual(Array.from({ length: n }, (_, i) => n + i));
    await r.press(KEY.pageDown, KEY.pageDown, KEY.pageDown);
    f = await r.waitFor(`${40 - n + 1}-40 of 40`);
    expect(shownRuns(f).at(-1)).toBe(39);
    await r.press(KEY.pageUp);
    await r.waitFor(`${40 - 2 * n + 1}-${40 - n} of 40`);
    await r.press(KEY.down);
    await r.waitFor('RUNS OF worker-2');
    await r.press(KEY.up);
    f = await r.waitFor(`1-${n} of 40`);
    expect(shownRuns(f)[0]).toBe(0);
  });
});

describe('the audit view', () => {
  test('shows the audit log, newest at the bottom', async () => {
    const r = await renderApp(fixture());
    await r.press('5');
    const f = await r.waitFor('AUDIT');
    expect(lineWith(f, 'task_created')).toContain('admin');
    expect(lineWith(f, 'message_sent')).toContain('worker-1');
    expect(f.indexOf('task_created')).toBeLessThan(f.indexOf('message_sent'));
  });

  test('a filters by agent and t by event type, with a trailing * for a prefix', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('5');
    await r.waitFor('AUDIT');
    await r.press('a');
    await r.waitFor('audit of agent');
    await r.type('worker-1');
    await r.press(KEY.enter);
    let f = await r.waitFor('agent: worker-1');
    expect(f).toContain('message_sent');
    expect(f).not.toContain('task_created');
    expect(s.readsOf('audit').at(-1)!.args[0]).toMatchObject({ agent: 'worker-1' });
    await r.press('a', KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.enter);
    await r.waitFor('agent: any');
    await r.press('t');
    await r.type('prompt_*');
    await r.press(KEY.enter);
    f = await r.waitFor('type: prompt_*');
    expect(f).toContain('prompt_injection_detected');
    expect(f).not.toContain('message_sent');
    await r.press('t');
    await r.type('nothing_like_this');
    await r.press(KEY.enter);
    await r.waitFor('no audit entries match the filter');
  });
});

describe('the logs view', () => {
  test("shows the tail of the selected agent's current run", async () => {
    const r = await renderApp(fixture());
    await r.press('6');
    const f = await r.waitFor('LOG OF worker-1');
    expect(f).toContain('run run-aaaa');
    expect(f).toContain('starting work on task0001');
    expect(f).toContain('12 passed');
  });

  test('follows the log: new lines appear on a change and on the one-second poll', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.press('6');
    await r.waitFor('12 passed');
    s.logs.set('worker-1', { agent: 'worker-1', run: 'run-aaaa1111', lines: ['12 passed', 'committing'] });
    s.emit();
    await r.waitFor('committing');
    // No notification this time: the poll picks it up.
    s.logs.set('worker-1', { agent: 'worker-1', run: 'run-aaaa1111', lines: ['committing', 'pushed'] });
    await r.waitFor('pushed', 2500);
  });

  test('strips escape sequences and control characters from agent output', async () => {
    const s = fixture();
    s.logs.set('worker-1', { agent: 'worker-1', run: 'r1', lines: ['\x1b[31mred\x1b[0m text\x07 and \x1b]0;title\x07done'] });
    const r = await renderApp(s);
    await r.press('6');
    const f = await r.waitFor('red text');
    expect(f).toContain('red text and done');
    expect(f).not.toContain('\x1b');
    expect(f).not.toContain('\x07');
  });

  test('says when the agent has no run yet', async () => {
    const s = new FakeSource();
    s.agents = [fleetAgent({ id: 'scout', state: 'dormant' })];
    const r = await renderApp(s);
    await r.press('6');
    await r.waitFor('scout has no run yet');
    await sleep(10);
  });
});
