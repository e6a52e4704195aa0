import { afterEach, describe, expect, test, vi } from 'vitest';
import { FakeSource, fixture, fleetAgent, message, task } from './fake-source.js';
import { KEY, renderApp, sleep } from './render.js';

/**
 * The dashboard's clock (setInterval and Date) on fake time that also follows the real
 * clock: `pass` moves it on by seconds at once, while Ink and React keep their real timers.
 */
function fakeClock() {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: true });
  return async (ms: number) => {
    await vi.advanceTimersByTimeAsync(ms);
    // Let React commit what the ticks set, on its real timers.
    await sleep(50);
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('refreshing', () => {
  test('reads again after a notification, and the two-second clock re-reads nothing', async () => {
    const pass = fakeClock();
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    const before = s.readsOf('fleet').length;
    const silent = /worker-1 .* (4\d)s /.exec(r.frame())?.[1];
    await pass(2300);
    // The timers moved on without a read.
    expect(/worker-1 .* (4\d)s /.exec(r.frame())?.[1]).not.toBe(silent);
    expect(s.readsOf('fleet').length).toBe(before);
    s.agents = [...s.agents, fleetAgent({ id: 'newcomer' })];
    s.emit();
    await r.waitFor('newcomer');
    expect(s.readsOf('fleet').length).toBe(before + 1);
  });

  test('the clock draws a frame only when a timer on screen reads differently', async () => {
    const pass = fakeClock();
    const days = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    const s = new FakeSource();
    // Up and silent for days: the timers read 2d00h and 3d00h for the next hour.
    s.agents = [
      fleetAgent({ id: 'old-1', state: 'idle', pid: 101, started_at: days(2), last_output_at: days(2) }),
      fleetAgent({ id: 'old-2', state: 'running', pid: 102, started_at: days(3), last_output_at: days(3) }),
    ];
    const r = await renderApp(s);
    await r.waitFor('old-2');
    const quiet = r.frames.length;
    await pass(4500);
    expect(r.frames.length).toBe(quiet);
    // An agent whose uptime reads in seconds makes the next tick draw.
    s.agents = [
      ...s.agents,
      fleetAgent({ id: 'young', state: 'running', pid: 103, started_at: new Date().toISOString(), last_output_at: new Date().toISOString() }),
    ];
    s.emit();
    await r.waitFor('young');
    const fresh = r.frames.length;
    await pass(2300);
    expect(r.frames.length).toBeGreaterThan(fresh);
  });

  test('merges a burst of notifications into a few reads', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    const before = s.readsOf('fleet').length;
    for (let i = 0; i < 200; i++) s.emit();
    await sleep(250);
    expect(s.readsOf('fleet').length - before).toBeLessThanOrEqual(3);
  });

  test('unsubscribes what a hidden view subscribed', async () => {
    const s = fixture();
    const r = await renderApp(s);
    await r.waitFor('worker-1');
    const n = s.subscribers;
    await r.press('6');
    await r.waitFor('LOG OF');
    await r.press('1');
    await r.waitFor('ATTENTION');
    expect(s.subscribers).toBe(n);
    r.unmount();
    await sleep(20);
    expect(s.subscribers).toBe(0);
  });
});

describe('a large team', () => {
  const big = () => {
    const s = new FakeSource();
    s.agents = Array.from({ length: 100 }, (_, i) =>
      fleetAgent({
        id: `agent-${i}`,
        state: i % 7 === 0 ? 'running' : 'idle',
        pid: i % 7 === 0 ? 1000 + i : null,
        attention: i % 13,
        attention_reason: 'review queue',
      }),
    );
    const states = ['todo', 'progress', 'review', 'done', 'blocked'] as const;
    for (let i = 0; i < 1000; i++) s.boardData[states[i % 5]!].push(task({ id: `task${String(i).padStart(6, '0')}`, title: `Task ${i}`, status: states[i % 5]! }));
    s.feedItems = Array.from({ length: 100_000 }, (_, i) =>
      message({ id: `m${i}`, from: `agent-${i % 100}`, to: `agent-${(i + 1) % 100}`, content: `message ${i}` }),
    );
    return s;
  };

  test('renders every view of 100 agents, 1000 tasks and 100 000 messages in well under a second a frame', async () => {
    const s = big();
    const r = await renderApp(s, { columns: 120, rows: 40 });
    await r.waitFor('agent-0');
    const times: Record<string, number> = {};
    for (const key of ['2', '3', '4', '5', '6', '1', KEY.down, KEY.pageDown]) {
      const t0 = performance.now();
      // Ink renders synchronously in the test renderer: the write returns after the frame.
      r.stdin.write(key);
      times[key] = performance.now() - t0;
      await sleep(20);
    }
    if (process.env.AGOR_TUI_TIMES) console.log(times);
    // The target (under 50 ms) is measured by the benchmark; here, a bound no machine should miss.
    for (const [k, ms] of Object.entries(times)) expect(ms, `key ${JSON.stringify(k)}`).toBeLessThan(500);
    expect(Math.max(...s.readsOf('feed').map((c) => c.args[0] as number))).toBeLessThan(100);
  });
});
