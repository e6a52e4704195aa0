import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deadEndpoint, startSilentCollector } from '../../helpers/otlp.js';
import { waitFor } from '../../helpers/wait.js';
import { type Group, group, sh } from '../agor/fixture.js';

const AGENTS = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`a${i}`, { mode: 'on-demand', command: sh('echo done'), stop_grace: '1s' }]));

/** The median wall time of `n` runs of agor ps, in ms. */
async function psMedian(g: Group, n = 9): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    expect((await g.agor(['ps', '--json'])).code).toBe(0);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

/** Wakes every agent three times and waits for all the runs: the supervisor at work, making spans. */
async function work(g: Group): Promise<void> {
  for (let round = 1; round <= 3; round++) {
    for (const id of Object.keys(AGENTS)) expect((await g.agor(['wake', id])).code).toBe(0);
    for (const id of Object.keys(AGENTS))
      await g.waitRuns(id, `${round} finished runs`, (rs) => rs.length === round && rs.every((r) => r.outcome === 'success'), 20_000);
  }
}

/** Brings a group up with `env`, works it, and measures agor ps and agor down. */
async function measure(onTestFinished: Parameters<typeof group>[0], env: Record<string, string>) {
  const g = group(onTestFinished, { agents: AGENTS });
  const d = await g.up(env);
  await work(g);
  const ps = await psMedian(g);
  const t0 = performance.now();
  expect((await g.down()).code).toBe(0);
  return { ps, downMs: performance.now() - t0, log: () => readFileSync(d.log, 'utf8') };
}

// One at a time: these compare timings on a shared machine.
describe('agor up with its OTLP collector down', () => {
  it('keeps supervising, answers agor ps as fast as without OTLP, and says once that it cannot export, for a port nobody listens on', async ({ onTestFinished }) => {
    const off = await measure(onTestFinished, {});
    const down = await measure(onTestFinished, { AGOR_OTLP_ENDPOINT: await deadEndpoint() });
    // A generous bound: what matters is that no request waits on the collector.
    expect(down.ps, `agor ps p50: ${down.ps.toFixed(0)} ms with the collector down, ${off.ps.toFixed(0)} ms without OTLP`).toBeLessThan(off.ps * 2 + 150);
    const complaints = down
      .log()
      .split('\n')
      .filter((l) => l.includes('traces: cannot export'));
    expect(complaints).toHaveLength(1);
    expect(down.log()).toMatch(/traces: \d+ span\(s\) exported, \d+ failed, \d+ dropped/);
    expect(down.downMs).toBeLessThan(off.downMs + 5000);
  });

  it('keeps supervising and stops within its bounds when the collector accepts connections and never answers', async ({ onTestFinished }) => {
    const silent = await startSilentCollector();
    onTestFinished(() => silent.close());
    const off = await measure(onTestFinished, {});
    const hung = await measure(onTestFinished, { AGOR_OTLP_ENDPOINT: silent.url });
    expect(silent.accepted()).toBeGreaterThan(0);
    expect(hung.ps, `agor ps p50: ${hung.ps.toFixed(0)} ms with a silent collector, ${off.ps.toFixed(0)} ms without OTLP`).toBeLessThan(off.ps * 2 + 150);
    // Shutdown flushes for at most 2 s; nothing else waits on the collector.
    expect(hung.downMs).toBeLessThan(off.downMs + 5000);
    await waitFor(
      'the supervisor log to say what was lost',
      () => hung.log(),
      (l) => /traces: \d+ span\(s\) exported/.test(l),
    );
  });
});
