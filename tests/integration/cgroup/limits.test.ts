import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../helpers/wait.js';
import { Made, missing, newScope } from './fixture.js';

const MiB = 2 ** 20;
const noMemory = missing('memory');
const noPids = missing('pids');
if (noMemory) console.warn(`skipping the cgroup memory limit test: ${noMemory}`);
if (noPids) console.warn(`skipping the cgroup pids limit test: ${noPids}`);

// Touches 1 MiB at a time up to 400 MiB, then idles: bounded, should the limit not hold.
const HOG = `exec node -e 'const a = []; for (let i = 0; i < 400; i++) a.push(Buffer.alloc(${MiB}, 1)); setTimeout(() => {}, 60000)'`;
// Up to 300 sleepers, far beyond the limit but bounded should it not hold.
const BOMB = `i=0; while [ $i -lt 300 ]; do sleep 1007 & i=$((i+1)); done; wait`;

describe('limits on an agent cgroup', () => {
  const made = new Made();
  afterEach(() => made.undo());

  it.skipIf(noMemory)('OOM-kills a memory hog at the memory limit, counts it, and records a peak at the limit', async () => {
    const cg = made.open(newScope(), 'hog');
    cg.setLimits({ memoryBytes: 100 * MiB, pids: null });
    cg.resetPeak();
    const before = cg.oomKills();
    const hog = made.startIn(cg, HOG);
    const [code, signal] = (await once(hog, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(cg.oomKills()).toBeGreaterThan(before);
    const peak = cg.peakMemoryKb()!;
    expect(peak).toBeGreaterThan(50 * 1024);
    expect(peak).toBeLessThanOrEqual(100 * 1024 + 1024);
  });

  it.skipIf(noMemory)(
    'takes a memory limit raised, lowered and lifted in any order (swap accounting kept in step), and a raised limit lets the agent grow',
    async () => {
      const cg = made.open(newScope(), 'hog');
      cg.setLimits({ memoryBytes: 300 * MiB, pids: null });
      cg.setLimits({ memoryBytes: 100 * MiB, pids: null });
      cg.setLimits({ memoryBytes: null, pids: null });
      cg.setLimits({ memoryBytes: 500 * MiB, pids: null });
      cg.resetPeak();
      // 400 MiB fits under 500: the hog lives and idles.
      const hog = made.startIn(cg, HOG);
      await waitFor(
        'the hog to reach 400 MiB',
        () => cg.peakMemoryKb() ?? 0,
        (kb) => kb > 400 * 1024,
        { timeout: 30_000 },
      );
      expect(cg.oomKills()).toBe(0);
      expect(hog.exitCode).toBeNull();
    },
  );

  it.skipIf(noPids)('holds a fork bomb at pids.max, counts the refused forks, and the machine stays responsive', async () => {
    const cg = made.open(newScope(), 'bomb');
    cg.setLimits({ memoryBytes: null, pids: 20 });
    made.startIn(cg, BOMB);
    await waitFor(
      'refused forks',
      () => cg.pidsMaxHits(),
      (n) => n > 0,
      { timeout: 30_000 },
    );
    expect(cg.members().length).toBeLessThanOrEqual(20);
    expect(cg.members().length).toBeGreaterThan(10);
    // Outside the cgroup, forking and the event loop go on as usual.
    const started = Date.now();
    expect(spawnSync('true').status).toBe(0);
    await sleep(10);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await cg.killAll(10_000)).toBe(true);
  });
});
