import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/tui/source.js';
import { MultiSource } from '../../../src/tui/multi.js';
import { FakeSource } from './fake-source.js';
import { renderApp } from './render.js';

/** A FakeSource whose supervisor sends notifications. */
class AlertingSource extends FakeSource {
  private readonly alerts = new Set<(a: Alert) => void>();
  onAlert(fn: (a: Alert) => void) {
    this.alerts.add(fn);
    return () => void this.alerts.delete(fn);
  }
  alert(a: Partial<Alert> = {}): void {
    for (const l of this.alerts) l({ kind: 'agent_failed', agent: 'w', title: 'agor: w failed', body: 'exit 1', bell: true, ...a });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How many BELs the dashboard wrote to its terminal. */
const bells = (frames: string[]) => frames.join('').split('\x07').length - 1;

describe('the terminal bell', () => {
  it('rings on a notification agor.yaml gives the bell, beside the frames; b mutes it; a burst rings once', async () => {
    const src = new AlertingSource();
    const r = await renderApp(src);
    const rang = (n: number) => r.waitFor(() => bells(r.stdout.frames) === n);
    // The sleeps are windows in which no bell may come.
    src.alert({ bell: false });
    await sleep(30);
    expect(bells(r.stdout.frames)).toBe(0);
    await r.press('b');
    await r.waitFor('bell off');
    src.alert();
    await sleep(30);
    expect(bells(r.stdout.frames)).toBe(0);
    await r.press('b');
    await r.waitFor('bell on');
    src.alert();
    await rang(1);
    // A write of its own, beside the frames: no frame holds it.
    expect(r.stdout.frames.filter((f) => f !== '\x07').some((f) => f.includes('\x07'))).toBe(false);
    src.alert();
    await sleep(30);
    expect(bells(r.stdout.frames)).toBe(1);
  });

  it('hears the notifications of every host of a dashboard over several, each agent as host/agent', () => {
    const a = new AlertingSource();
    const b = new AlertingSource();
    const m = new MultiSource([
      { name: 'one', source: a },
      { name: 'two', source: b },
    ]);
    const seen: (string | null)[] = [];
    const off = m.onAlert((x) => seen.push(x.agent));
    a.alert();
    b.alert({ agent: null });
    off();
    a.alert();
    expect(seen).toEqual(['one/w', null]);
  });
});
