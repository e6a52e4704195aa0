import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sql } from '../../helpers/cli.js';
import { netSkip } from '../../helpers/netns.js';
import { alive } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';
import { type AgentView, EXIT, type RunView, sh } from '../agor/fixture.js';
import { type HostName, type ThreeHosts, threeHosts } from './three-hosts.js';

/**
 * The proof of the relay: three hosts as network namespaces, each with its own database,
 * supervisor and relay. h1 manages h2's agents through h2's relay; h3 attacks h2's relay.
 * Every command runs inside a host's namespace, so all traffic stays between them.
 */

const skip = netSkip();

const AGENTS = {
  agents: {
    // One line a second, stamped with the time in ms: a line written after a follow began is recognisable.
    ticker: { command: sh('while :; do echo "tick $(date +%s%3N)"; sleep 1; done'), stop_grace: '1s' },
    oneshot: { command: sh('echo "woke up"; sleep 1'), mode: 'on-demand' },
    // 9 MB of output in about 3 s (under the 10 MiB at which a log is rotated, and the 4 MiB/s a follow passes on),
    // for a client that never reads to fall behind on.
    flood: { command: sh('for i in $(seq 30); do head -c 300000 /dev/zero | tr "\\0" x | fold -w 100; sleep 0.1; done'), mode: 'on-demand' },
  },
};

let t: ThreeHosts;

/** Milliseconds `fn` took, with its result. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = Date.now();
  const value = await fn();
  return { ms: Date.now() - t0, value };
}

const remotePs = (from: HostName, to: HostName) => t.on(from, 'agor', ['--host', to, 'ps', '--json']);

describe.skipIf(skip)(`three hosts, each with a supervisor and a relay, in network namespaces${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    t = await threeHosts(AGENTS);
    for (const name of ['h2', 'h3'] as const) {
      const h = t.hosts[name];
      const r = await t.on('h1', 'agor', ['hosts', 'add', name, h.url, '--pin', h.pin], { input: `${h.admin}\n` });
      expect(r.code, `agor hosts add ${name}: ${r.stdout}\n${r.stderr}`).toBe(0);
    }
  }, 180_000);

  afterAll(() => t?.teardown(), 60_000);

  describe('from h1, agor --host h2 acts on h2', () => {
    it("lists h2's agents as h2's own agor ps does, and h3's as h3's", async () => {
      for (const name of ['h2', 'h3'] as const) {
        const local = await t.ok<AgentView[]>(name, 'agor', ['ps', '--json']);
        const r = await remotePs('h1', name);
        expect(r.code, r.stderr).toBe(0);
        const remote = JSON.parse(r.stdout) as AgentView[];
        expect(remote.map((a) => [a.id, a.mode, a.supervised])).toEqual(local.map((a) => [a.id, a.mode, true]));
        expect(remote.find((a) => a.id === 'ticker')!.pid).toBe(local.find((a) => a.id === 'ticker')!.pid);
      }
      const h2 = (JSON.parse((await remotePs('h1', 'h2')).stdout) as AgentView[]).find((a) => a.id === 'ticker')!;
      const h3 = (JSON.parse((await remotePs('h1', 'h3')).stdout) as AgentView[]).find((a) => a.id === 'ticker')!;
      expect(h2.pid).not.toBe(h3.pid);
    });

    it("stops and starts h2's service agent: h2's own supervisor and processes show it", async () => {
      const before = (await t.ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')!;
      expect(before).toMatchObject({ state: 'running', pid: expect.any(Number) });
      const stop = await t.on('h1', 'agor', ['--host', 'h2', 'stop', 'ticker', '--json']);
      expect(stop.code, stop.stderr).toBe(0);
      expect(JSON.parse(stop.stdout)).toEqual([expect.objectContaining({ id: 'ticker', state: 'inactive', pid: null })]);
      expect(alive(before.pid!)).toBe(false);
      expect((await t.ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')).toMatchObject({ state: 'inactive', pid: null });
      // h3's ticker is untouched.
      expect((await t.ok<AgentView[]>('h3', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')).toMatchObject({ state: 'running' });

      const start = await t.on('h1', 'agor', ['--host', 'h2', 'start', 'ticker', '--json']);
      expect(start.code, start.stderr).toBe(0);
      const after = (await t.ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')!;
      expect(after).toMatchObject({ state: 'running', pid: expect.any(Number) });
      expect(after.pid).not.toBe(before.pid);
      expect(alive(after.pid!)).toBe(true);
    });

    it("wakes h2's on-demand agent: a run of it appears in h2's own database", async () => {
      const r = await t.on('h1', 'agor', ['--host', 'h2', 'wake', 'oneshot', '--reason', 'from h1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const runs = await waitFor(
        "a run of h2's oneshot",
        () => t.ok<RunView[]>('h2', 'agor', ['runs', 'oneshot', '--json']),
        (rs) => rs.length > 0,
        { timeout: 15_000, interval: 300 },
      );
      expect(runs[0]!.wake_reason).toBe('manual');
      // The wake itself, in h2's database: asked for as the operator, with h1's reason.
      const wakes = sql(t.hosts.h2.env.AGOR_DB!, (db) => db.prepare("SELECT reason, detail, requested_by FROM wakes WHERE agent = 'oneshot'").all());
      expect(wakes).toEqual([{ reason: 'manual', detail: 'from h1', requested_by: 'admin' }]);
      expect(await t.ok<RunView[]>('h3', 'agor', ['runs', 'oneshot', '--json'])).toEqual([]);
    });

    it("follows h2's service agent's log: prints a line written after the follow began", async () => {
      const since = Date.now();
      const follow = t.net.spawn('h1', process.execPath, [join(ROOT, 'dist', 'agor.cjs'), '--host', 'h2', 'logs', '-f', 'ticker'], {
        env: t.hosts.h1.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      t.track(follow.pid!);
      let out = '';
      let err = '';
      follow.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      follow.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      try {
        const ticks = await waitFor(
          `a tick stamped after ${since} (stderr: ${err})`,
          () => [...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])),
          (t) => t.some((ms) => ms > since + 500),
          { timeout: 20_000 },
        );
        expect(ticks.length).toBeGreaterThan(0);
      } finally {
        follow.kill('SIGKILL');
      }
    });

    it("h2's audit names the token that asked for each action", async () => {
      const audit = await t.ok<{ agent: string; type: string; detail: Record<string, unknown> }[]>('h2', 'agor', ['audit', '--type', 'relay_action', '--json']);
      const ops = audit.map((e) => [e.agent, e.detail.token, e.detail.op]);
      expect(ops).toEqual(
        expect.arrayContaining([
          ['admin', 'ops', 'stop'],
          ['admin', 'ops', 'start'],
          ['admin', 'ops', 'wake'],
        ]),
      );
      expect(await t.ok<unknown[]>('h3', 'agor', ['audit', '--type', 'relay_action', '--json'])).toEqual([]);
    });
  });

  describe("from h3, attacks on h2's relay are refused and change nothing", () => {
    const ticker = async () => (await t.ok<AgentView[]>('h2', 'agor', ['ps', '--json'])).find((a) => a.id === 'ticker')!;

    it('refuses an upgrade without a token with 401, and one with an Origin from another site with 403', async () => {
      const h2 = t.hosts.h2;
      expect(await t.probe('h3', 'upgrade', { url: h2.url })).toEqual([{ status: 401, retryAfter: null }]);
      expect(await t.probe('h3', 'upgrade', { url: h2.url, token: h2.admin, origin: 'https://evil.example' })).toEqual([expect.objectContaining({ status: 403 })]);
      expect(await t.probe('h3', 'upgrade', { url: h2.url, token: h2.read })).toEqual([{ status: 101 }]);
    });

    it('refuses stop for a read token (not_permitted, exit 4): the agent keeps running', async () => {
      const h2 = t.hosts.h2;
      const before = await ticker();
      const [list, stop] = await t.probe('h3', 'request', { url: h2.url, token: h2.read, requests: [{ op: 'list' }, { op: 'stop', agents: ['ticker'] }] });
      expect(list).toMatchObject({ ok: true, result: expect.arrayContaining([expect.objectContaining({ id: 'ticker' })]) });
      expect(stop).toMatchObject({ ok: false, error: { code: 'not_permitted', exit: EXIT.NOT_PERMITTED } });
      const after = await ticker();
      expect(after).toMatchObject({ state: 'running', pid: before.pid });
      expect(alive(before.pid!)).toBe(true);
    });

    it('refuses a plain ws:// client against the TLS relay', async () => {
      const h2 = t.hosts.h2;
      const [r] = await t.probe('h3', 'upgrade', { url: h2.url.replace(/^wss:/, 'ws:'), token: h2.admin });
      expect(r).not.toMatchObject({ status: 101 });
      expect(r!.error ?? r!.status).toBeDefined();
    });

    it('aborts before sending its token when the pin is wrong: the relay sees no request from h3', async () => {
      const h2 = t.hosts.h2;
      const wrong = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;
      const mark = h2.log.length;
      const add = await t.on('h3', 'agor', ['hosts', 'add', 'h2', h2.url, '--pin', wrong], { input: `${h2.admin}\n` });
      const use = add.code === 0 ? await t.on('h3', 'agor', ['--host', 'h2', 'ps', '--json']) : add;
      expect(use.code, use.stderr).toBe(EXIT.NOT_PERMITTED);
      expect(use.stderr).toContain(wrong);
      expect(use.stderr).toContain(h2.pin);
      expect(use.stderr).toMatch(/agor hosts rm/);
      // A barrier: once h1's request shows in the relay's log, anything of h3's attempt would have too.
      expect((await remotePs('h1', 'h2')).code).toBe(0);
      const h1 = t.hosts.h1.addr;
      await waitFor(
        'h1 in the relay log',
        () => h2.log.slice(mark).join('\n'),
        (l) => l.includes(h1),
      );
      const fromH3 = t
        .entries('h2')
        .slice(mark)
        .filter((e) => JSON.stringify(e).includes(`"${t.hosts.h3.addr}"`) || String(e.text ?? '').includes(t.hosts.h3.addr));
      expect(fromH3).toEqual([]);
    });

    it('closes the connection that sends a 5 MiB frame, and only that one', async () => {
      const h2 = t.hosts.h2;
      const [closed, hello] = await t.probe('h3', 'big', { url: h2.url, token: h2.read, bytes: 5 * 1024 * 1024 });
      expect(closed).toEqual({ closed: 1009 });
      expect(hello).toMatchObject({ ok: true, result: expect.objectContaining({ token: 'watcher', role: 'read' }) });
      expect(h2.relay.exitCode).toBeNull();
    });

    it('keeps answering h1 while h3 opens 500 idle connections, of which it holds only a capped number', async () => {
      const h2 = t.hosts.h2;
      const mark = h2.log.length;
      const idle = t.probeRunning('h3', 'idle', { url: h2.url, count: 500 });
      try {
        await waitFor(
          '500 connections from h3',
          () => idle.lines[0],
          (l) => l !== undefined,
          { timeout: 30_000 },
        );
        const { ms, value } = await timed(() => remotePs('h1', 'h2'));
        expect(value.code, value.stderr).toBe(0);
        expect((JSON.parse(value.stdout) as AgentView[]).map((a) => a.id)).toEqual(['ticker', 'oneshot', 'flood']);
        expect(ms, `agor --host h2 ps took ${ms} ms with 500 idle connections open`).toBeLessThan(10_000);
        // Beyond the cap of handshakes under way, h3's connections were refused at once (and said so, once per 10 s).
        const refused = t
          .entries('h2')
          .slice(mark)
          .filter((e) => e.event === 'refused' && e.addr === t.hosts.h3.addr);
        expect(refused.map((e) => e.detail)).toContainEqual(expect.stringMatching(/handshake/));
      } finally {
        idle.child.kill('SIGKILL');
      }
    });

    it('cuts off a client of h3 that never reads while events flow, and keeps answering h1 meanwhile', async () => {
      const h2 = t.hosts.h2;
      const h3 = t.hosts.h3.addr;
      // A first run of flood, so that its log can be followed (into the next run) and its tail asked for.
      expect((await t.on('h2', 'agor', ['wake', 'flood'])).code).toBe(0);
      await waitFor(
        'the first run of flood to end',
        () => t.ok<RunView[]>('h2', 'agor', ['runs', 'flood', '--json']),
        (rs) => rs.length === 1 && rs[0]!.ended_at !== null,
        { timeout: 30_000, interval: 300 },
      );
      const stall = t.probeRunning('h3', 'stall', { url: h2.url, token: h2.read, agent: 'flood', count: 30 });
      try {
        await waitFor(
          'the stalled client to be connected',
          () => stall.lines[0],
          (l) => l !== undefined,
          { timeout: 30_000 },
        );
        expect(stall.lines[0]).toEqual({ stalled: true });
        const mark = h2.log.length;
        const wake = await t.on('h1', 'agor', ['--host', 'h2', 'wake', 'flood', '--json']);
        expect(wake.code, wake.stderr).toBe(0);
        for (let i = 0; i < 3; i++) {
          const { ms, value } = await timed(() => remotePs('h1', 'h2'));
          expect(value.code, value.stderr).toBe(0);
          expect(ms, `agor --host h2 ps took ${ms} ms beside a client that never reads`).toBeLessThan(10_000);
        }
        const cut = await waitFor(
          "the relay to cut h3's client off",
          () =>
            t
              .entries('h2')
              .slice(mark)
              .find((e) => e.event === 'disconnect' && e.addr === h3),
          (e) => e !== undefined,
          { timeout: 60_000 },
        );
        expect(String(cut!.detail), `the relay's log: ${JSON.stringify(t.entries('h2').slice(mark))}`).toMatch(/unsent/);
        expect(h2.relay.exitCode).toBeNull();
        expect((await remotePs('h1', 'h2')).code).toBe(0);
      } finally {
        stall.child.kill('SIGKILL');
      }
    });

    it('answers 429 with Retry-After from the sixth wrong token in a row from one address, and h1 still gets in', async () => {
      const h2 = t.hosts.h2;
      const wrong = `agr_${'A'.repeat(43)}`;
      const answers = await t.probe('h3', 'upgrade', { url: h2.url, token: wrong, times: 20 });
      expect(answers.slice(0, 5)).toEqual(Array(5).fill({ status: 401, retryAfter: null }));
      for (const a of answers.slice(5)) {
        expect(a.status).toBe(429);
        expect(Number(a.retryAfter)).toBeGreaterThan(0);
      }
      // Locked out even with the right token, from the same address.
      expect(await t.probe('h3', 'upgrade', { url: h2.url, token: h2.admin })).toEqual([expect.objectContaining({ status: 429 })]);
      const r = await remotePs('h1', 'h2');
      expect(r.code, r.stderr).toBe(0);
      expect((await ticker()).state).toBe('running');
    });
  });
});
