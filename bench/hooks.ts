// Section 17: hook dispatch latency. From the moment a `wake` request leaves a client
// to the start of the wake hook's process (the hook's first command stamps the wall
// clock), beside the time the same wake event takes to reach a subscribed client of the
// control socket. A real supervisor (agor up -d) and a real hook (sh, then date).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Log, tempDir } from './fixtures.js';
import { type Percentiles, percentileTable, percentiles } from './harness.js';
import { SocketClient, socketOf } from './relay.js';
import { agorSupervisor, gone, pending, sweepLeftovers } from './supervisor.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock milliseconds with sub-millisecond resolution: what `date +%s%N` in the hook compares with. */
const wallMs = (): number => performance.timeOrigin + performance.now();

export interface HookLatencySection {
  title: string;
  events: number;
  /** Request sent -> the hook's process running. */
  hook?: Percentiles;
  /** Request sent -> the wake event read by a subscribed socket client. */
  socket?: Percentiles;
  notes: string[];
  error?: string;
}

/** Waits until `pred` holds, polling every `ms`; throws after `timeoutMs`. */
async function until<T>(what: string, read: () => T, pred: (v: T) => boolean, timeoutMs = 10_000, ms = 1): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = read();
    if (pred(v)) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(ms);
  }
}

export async function hookLatency(o: { quick: boolean }, log: Log): Promise<HookLatencySection> {
  const n = o.quick ? 50 : 200;
  const s: HookLatencySection = {
    title: `Section 17 — hook dispatch latency: a wake request to its hook's process start, beside the same event on the control socket (${n} wakes, one at a time)`,
    events: n,
    notes: [],
  };
  log(`section 17: hook dispatch latency over ${n} wakes …`);
  const dir = tempDir('hooks');
  const stamps = join(dir, 'stamps');
  const yaml = [
    'group: bench',
    'hooks:',
    `  wake: ["sh", "-c", "date +%s%N >> ${stamps}"]`,
    'agents:',
    '  w:',
    '    command: ["true"]',
    '    mode: on-demand',
    '    env:',
    '      AGOR_BENCH_RUN: "@MARK@"',
    '',
  ].join('\n');
  const sup = agorSupervisor(dir, yaml);
  let pid: number | undefined;
  pending.set('hooks', () => sup.stop());
  const read = (): number[] => {
    try {
      return readFileSync(stamps, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(BigInt(l) / 1000n) / 1000);
    } catch {
      return [];
    }
  };
  try {
    pid = sup.start();
    const socket = socketOf(sup.db);
    const watcher = await SocketClient.open(socket);
    const driver = await SocketClient.open(socket);
    let wakeAt = 0;
    let ended = 0;
    watcher.onEvent = (e) => {
      if (e.event === 'wake') wakeAt = wallMs();
      if (e.event === 'run_end') ended++;
    };
    await watcher.request('subscribe');
    const hook: number[] = [];
    const onSocket: number[] = [];
    for (let i = 0; i < n + 5; i++) {
      wakeAt = 0;
      const endedBefore = ended;
      const seen = read().length;
      const t0 = wallMs();
      const r = await driver.request('wake', { agent: 'w', reason: 'bench' });
      if (r.ok !== true) throw new Error(`wake: ${JSON.stringify(r.error)}`);
      const stamp = (await until('the hook to start', read, (x) => x.length > seen)).at(-1)!;
      await until(
        'the wake event',
        () => wakeAt,
        (x) => x > 0,
      );
      await until(
        'the run to end',
        () => ended,
        (x) => x > endedBefore,
      );
      // The first few warm the supervisor and the page cache.
      if (i < 5) continue;
      hook.push(stamp - t0);
      onSocket.push(wakeAt - t0);
    }
    watcher.close();
    driver.close();
    s.hook = percentiles(hook);
    s.socket = percentiles(onSocket);
    s.notes.push('the hook is sh -c "date +%s%N >> FILE": its start is stamped by date, one fork after sh starts');
  } catch (e) {
    s.error = e instanceof Error ? e.message : String(e);
  } finally {
    try {
      sup.stop();
    } catch (e) {
      s.notes.push(`agor down: ${e instanceof Error ? e.message : String(e)}`);
    }
    pending.delete('hooks');
    if (pid !== undefined && !(await gone(pid, 10_000))) process.kill(pid, 'SIGKILL');
    await sweepLeftovers(sup.marks, []);
    rmSync(dir, { recursive: true, force: true });
  }
  return s;
}

/** Section 17 as text: the two paths' percentiles, and the hook's against the socket's. */
export function printHooks(s: HookLatencySection | undefined, out: string[]): void {
  if (!s) return;
  out.push(s.title);
  if (s.hook && s.socket) {
    out.push(
      percentileTable('events', [
        ['wake event on the control socket', s.socket],
        ['wake hook process started', s.hook],
      ]),
    );
  }
  for (const n of s.notes) out.push(`  ${n}`);
  if (s.error) out.push(`!!! section 17 did not complete: ${s.error}`);
  out.push('');
}
