import { readFileSync } from 'node:fs';
import { type Socket, createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type Control, alive, group, sh, sleep, waitFor } from './fixture.js';

const LINES = 100_000;

/** Resident memory of `pid` in MB, from /proc. */
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** A client that connects, asks, and then never reads what it is sent. */
function deafClient(path: string, requests: string[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('error', reject);
    s.once('connect', () => {
      s.pause();
      s.write(requests.join(''), () => resolve(s));
    });
  });
}

describe('a control-socket client that never reads', () => {
  it('cannot make the supervisor hold its answers in memory or stop answering others', { timeout: 120_000 }, async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        // About 10 MB of log: 120,000 lines of 80 bytes, then it waits to be stopped.
        big: { command: sh(`seq 1 120000 | sed 's/$/ ${'x'.repeat(70)}/'; echo done; exec sleep 300`), stop_grace: '1s' },
      },
    });
    const sup = await g.up({ AGOR_LOG_MAX_BYTES: '100000000' });
    const logFile = await waitFor(
      'the log to be written',
      async () => (await g.runs('big'))[0]?.log_path ?? null,
      (p) => p !== null && readFileSync(p, 'utf8').endsWith('done\n'),
      {
        timeout: 30_000,
        interval: 200,
      },
    );
    const before = rssMb(sup.pid);

    // Each asks three times for the last 100,000 lines (some 8 MB of JSON a time) and reads none of it.
    const ask = (id: number) => JSON.stringify({ id, op: 'logs', agent: 'big', lines: LINES }) + '\n';
    const deaf = await Promise.all(Array.from({ length: 20 }, () => deafClient(g.socket, [ask(1), ask(2), ask(3)])));
    onTestFinished(() => deaf.forEach((s) => s.destroy()));

    // Others are served all the while, quickly.
    const slowest: number[] = [];
    let peak = before;
    for (let i = 0; i < 8; i++) {
      const t0 = Date.now();
      const ps = await g.agor(['ps', '--json']);
      slowest.push(Date.now() - t0);
      expect(ps.code, ps.stderr).toBe(0);
      peak = Math.max(peak, rssMb(sup.pid));
    }
    expect(Math.max(...slowest), `agor ps, ms (each: ${slowest.join(', ')})`).toBeLessThan(2500);
    expect(peak - before, `supervisor RSS grew from ${before.toFixed(0)} MB to ${peak.toFixed(0)} MB`).toBeLessThan(100);

    // Gone without having read a byte: the supervisor lets go of them and carries on.
    for (const s of deaf) s.destroy();
    expect(alive(sup.pid)).toBe(true);
    const c: Control = await g.connect();
    const r = await c.request('logs', { agent: 'big', lines: LINES }, 30_000);
    expect(r.ok).toBe(true);
    const lines = r.result.lines as string[];
    const all = readFileSync(logFile!, 'utf8').split('\n').slice(0, -1);
    expect(lines).toHaveLength(LINES);
    expect(lines).toEqual(all.slice(-LINES));
    expect(lines.at(-1)).toBe('done');
    // agor logs reassembles the same through the client library.
    const out = await g.agor(['logs', 'big', '-n', String(LINES)]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.split('\n').slice(0, -1)).toEqual(lines);
    expect((await g.agent('big')).state).toBe('running');
  });

  it(
    'does nothing more for a connection once it has closed: a request that waited behind an unread answer is dropped with it',
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const g = group(onTestFinished, {
        agents: {
          big: { command: sh(`seq 1 120000 | sed 's/$/ ${'x'.repeat(70)}/'; echo done; exec sleep 300`), stop_grace: '1s' },
          other: { mode: 'on-demand', command: sh('echo woken'), stop_grace: '1s' },
        },
      });
      await g.up({ AGOR_LOG_MAX_BYTES: '100000000' });
      await waitFor(
        'the log to be written',
        async () => (await g.runs('big'))[0]?.log_path ?? null,
        (p) => p !== null && readFileSync(p, 'utf8').endsWith('done\n'),
        {
          timeout: 30_000,
          interval: 200,
        },
      );
      const s = await deafClient(g.socket, [JSON.stringify({ id: 1, op: 'logs', agent: 'big', lines: LINES }) + '\n']);
      // Once the answer waits for the client to read, its next request waits behind it.
      await sleep(500);
      await new Promise<void>((r) => s.write(JSON.stringify({ id: 2, op: 'wake', agent: 'other', reason: 'behind an unread answer' }) + '\n', () => r()));
      await sleep(500);
      s.destroy();
      // A wake asked for on a live connection afterwards is served, and is the only one.
      expect((await g.agor(['wake', 'other', '--reason', 'asked later'])).code).toBe(0);
      await g.waitRuns('other', 'a finished run', (rs) => rs[0]?.outcome != null);
      expect(g.wakes('other').map((w) => w.detail)).toEqual(['asked later']);
    },
  );

  it('cuts off a follower that stops reading once 8 MiB wait for it, rather than holding the flood', { timeout: 60_000 }, async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      // 40 MB in bursts of 4 MB.
      agents: { flood: { mode: 'on-demand', command: sh('for i in 1 2 3 4 5 6 7 8 9 10; do yes | head -c 4000000; sleep 0.3; done'), stop_grace: '1s' } },
    });
    const sup = await g.up({ AGOR_LOG_MAX_BYTES: '100000000' });
    const before = rssMb(sup.pid);
    expect((await g.agor(['wake', 'flood'])).code).toBe(0);
    await g.waitRuns('flood', 'a run', (rs) => rs.length === 1);
    const s = await deafClient(g.socket, [JSON.stringify({ id: 1, op: 'logs', agent: 'flood', lines: 0, follow: true }) + '\n']);
    onTestFinished(() => void s.destroy());
    let peak = before;
    await waitFor(
      'the flood to end',
      async () => ((peak = Math.max(peak, rssMb(sup.pid))), g.runs('flood')),
      (rs) => rs[0]?.outcome != null,
      { timeout: 30_000, interval: 200 },
    );
    expect(peak - before, 'supervisor RSS growth, MB').toBeLessThan(100);
    // Reading now gets what the kernel held, then the end: the rest was never kept.
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.resume();
    await closed;
    expect(got).toBeLessThan(9 * 1024 * 1024);
  });
});
