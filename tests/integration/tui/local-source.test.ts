import { expect, test } from 'vitest';
import { LocalSource } from '../../../src/tui/local.js';
import { group, sh, waitFor } from '../agor/fixture.js';

test("the dashboard's local source keeps a busy agent's output time current without notifying the views each time", async ({ onTestFinished }) => {
  const g = group(onTestFinished, {
    agents: {
      busy: { command: sh('while :; do echo tick; sleep 0.3; done'), stall_after: '8s', stop_grace: '1s' },
      quiet: { command: sh('echo hello; exec sleep 300'), stall_after: '60s', stop_grace: '1s' },
    },
  });
  await g.up();
  const source = new LocalSource(g.db);
  onTestFinished(() => source.close());
  let notified = 0;
  source.subscribe(() => notified++);
  await waitFor(
    'the source attached with both agents running',
    () => source.fleet(),
    (f) => source.supervisor().state === 'attached' && f.filter((a) => a.pid !== null).length === 2,
    {
      timeout: 15_000,
      interval: 100,
    },
  );

  // Over several of its 2 s looks at the logs, the busy agent's time moves on; the quiet one's stays
  // (once its one line is in).
  let quietAt: string | null | undefined;
  const seen = new Set<string>();
  const before = notified;
  const t0 = Date.now();
  while (Date.now() - t0 < 7000) {
    const at = source.activity().get('busy')?.last_output_at;
    if (at) seen.add(at);
    if (quietAt === undefined && Date.now() - t0 > 3000) quietAt = source.activity().get('quiet')?.last_output_at;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(seen.size).toBeGreaterThanOrEqual(2);
  const newest = Math.max(...[...seen].map((s) => Date.parse(s)));
  expect(Date.now() - newest).toBeLessThan(4500);
  expect(source.activity().get('quiet')?.last_output_at).toBe(quietAt);
  // The views were not told to read everything again each time.
  expect(notified - before).toBeLessThan(seen.size);
  // And what the views read when they do read agrees with agor ps.
  const ps = await g.agent('busy');
  expect(source.fleet().find((a) => a.id === 'busy')).toMatchObject({ state: ps.state, health: ps.health, pid: ps.pid, last_outcome: null });
});
