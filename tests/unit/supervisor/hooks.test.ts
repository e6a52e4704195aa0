import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { alive } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';
import type { GroupConfig } from '../../../src/supervisor/config.js';
import type { HookSpec } from '../../../src/supervisor/hooks-config.js';
import { Hooks, MAX_IN_FLIGHT, MAX_QUEUED, hookLogPath } from '../../../src/supervisor/hooks.js';
import { type Attrs, NO_SPAN, setTracer } from '../../../src/supervisor/trace.js';
import { NO_POLICY } from '../../../src/supervisor/approvals-config.js';

/** A dispatcher over real processes in a temporary directory, with the audit entries it writes. */
function dispatcher(onTestFinished: (fn: () => void) => void, hooksIn: (dir: string) => HookSpec[]) {
  const dir = mkdtempSync(join(tmpdir(), 'agor-hooks-'));
  const hooks = hooksIn(dir);
  const file = join(dir, 'agor.yaml');
  writeFileSync(file, '');
  const config: GroupConfig = { file, group: 'g', maxConcurrent: 8, agents: [], hooks, approvals: NO_POLICY };
  const audits: { event: string; detail: Record<string, unknown> }[] = [];
  const h = new Hooks({ config, dbPath: join(dir, 'agor.db'), dataDir: dir, log: () => undefined, audit: (event, detail) => audits.push({ event, detail }) });
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return { h, dir, audits };
}

const wake = { event: 'wake' as const, agent: 'a', payload: {}, env: {} };

describe('the hooks dispatcher', () => {
  test(`runs at most ${MAX_IN_FLIGHT} hooks at once, queues ${MAX_QUEUED} more, and drops and audits the rest`, async ({ onTestFinished }) => {
    const { h, dir, audits } = dispatcher(onTestFinished, (d) => [
      { event: 'wake', argv: ['sh', '-c', `echo $$ >> ${join(d, 'pids')}; exec sleep 30`], timeoutMs: 60_000, outcomes: null, statuses: null },
    ]);
    const pids = join(dir, 'pids');
    const extra = 5;
    for (let i = 0; i < MAX_IN_FLIGHT + MAX_QUEUED + extra; i++) void h.fire(wake);
    expect(h.stats()).toMatchObject({ inFlight: MAX_IN_FLIGHT, queued: MAX_QUEUED, dropped: extra });
    expect(audits.filter((a) => a.event === 'hook_dropped')).toHaveLength(extra);
    const started = await waitFor(
      'the first hooks to start',
      () => (readFileSyncSafe(pids) ?? '').split('\n').filter(Boolean).map(Number),
      (p) => p.length === MAX_IN_FLIGHT,
    );
    await h.stop(0);
    await waitFor(
      'the running hooks to be killed',
      () => started.filter(alive),
      (l) => l.length === 0,
      { timeout: 5000, interval: 20 },
    );
  });

  test('a table event waits for room rather than being dropped, and resolves once its hook has started', async ({ onTestFinished }) => {
    const { h } = dispatcher(onTestFinished, () => [{ event: 'task_status', argv: ['sh', '-c', 'exit 0'], timeoutMs: 5000, outcomes: null, statuses: null }]);
    const ev = { event: 'task_status' as const, agent: null, payload: {}, env: {} };
    await Promise.all(Array.from({ length: MAX_IN_FLIGHT + MAX_QUEUED + 20 }, () => h.fire(ev, true)));
    await waitFor(
      'every hook to finish',
      () => h.stats(),
      (s) => s.inFlight === 0 && s.queued === 0,
      { timeout: 60_000, interval: 50 },
    );
    expect(h.stats()).toMatchObject({ ran: MAX_IN_FLIGHT + MAX_QUEUED + 20, failed: 0, dropped: 0 });
  });

  test('writes a header line per invocation to the hook log, then what the hook printed', async ({ onTestFinished }) => {
    const { h, dir } = dispatcher(onTestFinished, () => [
      { event: 'wake', argv: ['sh', '-c', 'cat; echo " seen"'], timeoutMs: 5000, outcomes: null, statuses: null },
    ]);
    await h.fire({ ...wake, payload: { reason: 'x' } });
    const log = hookLogPath(dir, 'g');
    const text = await waitFor(
      'the log',
      () => readFileSyncSafe(log) ?? '',
      (t) => t.endsWith(' seen\n'),
    );
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\S+Z wake a: \["sh","-c","cat; echo \\" seen\\""\]\n\{"event":"wake","group":"g","agent":"a","reason":"x"\}\n seen\n$/);
  });
});

describe('hook spans', () => {
  test("each hook is a 'hook' span with its event and command, ended with its exit, duration and whether it timed out", async ({ onTestFinished }) => {
    const spans: { name: string; attrs: Attrs; end?: { error?: string; attrs?: Attrs } }[] = [];
    setTracer({
      enabled: true,
      start: (name, attrs = {}) => {
        const s: (typeof spans)[number] = { name, attrs };
        spans.push(s);
        return { ...NO_SPAN, end: (o = {}) => void (s.end = o) };
      },
      shutdown: async () => undefined,
    });
    onTestFinished(() => setTracer(null));
    const { h } = dispatcher(onTestFinished, () => [
      { event: 'wake', argv: ['sh', '-c', 'exit 0'], timeoutMs: 5000, outcomes: null, statuses: null },
      { event: 'wake', argv: ['sh', '-c', 'exit 3'], timeoutMs: 5000, outcomes: null, statuses: null },
    ]);
    await h.fire(wake);
    await waitFor(
      'both spans to end',
      () => spans.filter((s) => s.end),
      (e) => e.length === 2,
    );
    const [ok, bad] = [...spans].sort((a, b) => Number(a.end!.attrs!.exit) - Number(b.end!.attrs!.exit));
    expect(ok).toMatchObject({ name: 'hook', attrs: { event: 'wake', command: 'sh', agent: 'a' }, end: { attrs: { exit: 0, timed_out: false } } });
    expect(ok!.end!.error).toBeUndefined();
    expect(bad).toMatchObject({ name: 'hook', end: { error: 'exit 3', attrs: { exit: 3, timed_out: false, duration_ms: expect.any(Number) } } });
  });
});

function readFileSyncSafe(p: string): string | null {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}
