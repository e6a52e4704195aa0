import { describe, expect, it } from 'vitest';
import { addAgents, freshDb } from '../../helpers/db.js';
import { userError } from '../../helpers/errors.js';
import { waitFor } from '../../helpers/wait.js';
import { requestApproval } from '../../../src/supervisor/approvals.js';
import { Notifier } from '../../../src/supervisor/notify.js';
import { type GroupConfig, parseConfig } from '../../../src/supervisor/config.js';
import { DEFAULT_NOTIFY, NOTIFY_OFF, parseRate } from '../../../src/supervisor/notify-config.js';
import { gvariantString, sendArgv, serverName } from '../../../src/supervisor/notify-desktop.js';
import { type Notice, Limiter, approvalNotice, clip, noticeOf } from '../../../src/supervisor/notify-rules.js';
import type { Event } from '../../../src/supervisor/protocol.js';

const yaml = (lines: string[]) => `group: g\n${lines.map((l) => `${l}\n`).join('')}agents:\n  w:\n    command: [sh]\n`;
const parse = (lines: string[]): GroupConfig => parseConfig(yaml(lines), '/tmp/agor.yaml');
const error = (lines: string[]) => userError(() => parse(lines)).message;

describe('notify: in agor.yaml', () => {
  it('defaults to desktop when a service answers, the bell, every event, 1/min per event and agent and 10/min in all', () => {
    expect(parse([]).notify).toEqual(DEFAULT_NOTIFY);
    expect(DEFAULT_NOTIFY).toMatchObject({ desktop: 'auto', bell: true, rate: { count: 1, perMs: 60_000 }, total: { count: 10, perMs: 60_000 } });
    expect(Object.values(DEFAULT_NOTIFY.events).every(Boolean)).toBe(true);
  });

  it('turns everything off with notify: off', () => {
    expect(parse(['notify: off']).notify).toEqual(NOTIFY_OFF);
  });

  it('reads desktop, bell, events as a mapping or a list, rate and total', () => {
    const n = parse(['notify:', '  desktop: on', '  bell: false', '  events: { stall: off, conflict: false }', '  rate: 2/10m', '  total: 5/hour']).notify!;
    expect(n).toMatchObject({ desktop: true, bell: false, rate: { count: 2, perMs: 600_000 }, total: { count: 5, perMs: 3_600_000 } });
    expect(n.events).toEqual({ agent_failed: true, stall: false, limit: true, budget: true, approval: true, conflict: false });
    expect(parse(['notify:', '  events: [approval, budget]']).notify!.events).toEqual({
      agent_failed: false,
      stall: false,
      limit: false,
      budget: true,
      approval: true,
      conflict: false,
    });
    expect(parse(['notify: { desktop: auto }']).notify!.desktop).toBe('auto');
  });

  it('refuses an unknown key, event or rate with the file, line and key', () => {
    expect(error(['notify:', '  sound: on'])).toMatch(/agor\.yaml:3: notify\.sound: unknown key/);
    expect(error(['notify:', '  events: [crash]'])).toMatch(/agor\.yaml:3: notify\.events\[0\]: must be one of/);
    expect(error(['notify:', '  rate: often'])).toMatch(/agor\.yaml:3: notify\.rate: must be a rate like 1\/min/);
    expect(error(['notify:', '  rate: 1/2d'])).toMatch(/notify\.rate: its window must be between 1s and 1d/);
    expect(error(['notify:', '  desktop: maybe'])).toMatch(/notify\.desktop: must be one of/);
  });

  it('reads rates with a word or a duration for the window', () => {
    expect(parseRate('1/min')).toEqual({ count: 1, perMs: 60_000 });
    expect(parseRate('3 / 30s')).toEqual({ count: 3, perMs: 30_000 });
    expect(parseRate('0/min')).toBeUndefined();
    expect(parseRate('1/fortnight')).toBeUndefined();
  });
});

const runEnd = (over: Partial<Extract<Event, { event: 'run_end' }>>): Event => ({
  event: 'run_end',
  at: '2026-01-01T00:00:00.000Z',
  agent: 'worker',
  run: 'r1',
  outcome: 'failed',
  exit_code: 1,
  signal: null,
  error_class: 'unknown',
  note: null,
  ...over,
});

describe('which events notify, and what they say', () => {
  it('a failed or timed-out run is agent_failed, with how it ended', () => {
    expect(noticeOf(runEnd({}), false)).toEqual({ event: 'agent_failed', agent: 'worker', title: 'agor: worker failed', body: 'exit 1', urgency: 'critical' });
    expect(noticeOf(runEnd({ outcome: 'timeout', exit_code: null, signal: 'SIGTERM' }), false)!.body).toBe('timed out');
    expect(noticeOf(runEnd({ error_class: 'network', note: 'ECONNRESET' }), false)!.body).toBe('exit 1: network: ECONNRESET');
    expect(noticeOf(runEnd({ outcome: 'success', exit_code: 0, error_class: null }), false)).toBeNull();
  });

  it('a run ended by a resource limit, a quota or a rate limit is a limit', () => {
    for (const c of ['limit', 'quota', 'rate_limit']) expect(noticeOf(runEnd({ error_class: c }), false)!.event).toBe('limit');
  });

  it('the change to failed notifies once, a stall, a spent budget and a conflict each notify', () => {
    const failed: Event = { event: 'state', at: '', agent: 'worker', state: 'failed', health: 'failed', pid: null, reason: 'gave up' };
    expect(noticeOf(failed, false)!.body).toBe('gave up restarting: gave up');
    expect(noticeOf(failed, true)).toBeNull();
    expect(noticeOf({ event: 'stall', at: '', agent: 'w', run: 'r', silent_s: 900, action: 'restart' }, false)!.title).toBe('agor: w stalled');
    const budget = { event: 'budget', at: '', agent: 'w', scope: 'agent', period: 'daily', kind: 'cost', spent: 5.2, limit: 5, currency: 'USD' } as const;
    expect(noticeOf({ ...budget, status: 'exceeded' }, false)!.body).toBe('its daily cost budget: 5.2 of 5 USD; no new run until it resets');
    expect(noticeOf({ ...budget, status: 'reset' }, false)).toBeNull();
    const conflict = noticeOf({ event: 'conflict', at: '', id: 3, kind: 'overlap', agents: ['a', 'b'], files: ['x.ts'] }, false)!;
    expect(conflict).toMatchObject({ event: 'conflict', agent: 'a,b', title: 'agor: conflict between a, b' });
  });

  it("keeps an agent's text from reaching the terminal raw, clipped, with its markup made inert", () => {
    const n = approvalNotice({ id: 7, agent: 'w', action: 'run \x1b[2J<a href="x">here</a>', detail: 'x'.repeat(400) });
    expect(n.body).not.toContain('\x1b');
    expect(n.body).toContain('&lt;a href="x"&gt;');
    expect(n.body.length).toBeLessThanOrEqual(300 + 40);
    expect(clip('a\n\tb', 10)).toBe('a b');
  });
});

const fail = (agent = 'w'): Notice => ({ event: 'agent_failed', agent, title: `agor: ${agent} failed`, body: 'exit 1', urgency: 'critical' });

describe('rate limiting', () => {
  it('a crash loop is one notification per window, then one summary with the count', () => {
    const l = new Limiter({ rate: { count: 1, perMs: 60_000 }, total: { count: 10, perMs: 60_000 } });
    expect(l.admit(fail(), 0)).toBe('send');
    for (let t = 1000; t <= 50_000; t += 1000) expect(l.admit(fail(), t)).toBe('held');
    expect(l.pending).toBe(true);
    expect(l.due(59_000)).toEqual([]);
    const [s, ...rest] = l.due(60_000);
    expect(rest).toEqual([]);
    expect(s!.body).toBe('50 more like this in the last 60 s; the latest: exit 1');
    // The summary opened the next window.
    expect(l.admit(fail(), 61_000)).toBe('held');
    expect(l.admit(fail(), 120_001)).toBe('held');
    expect(l.due(120_001)).toHaveLength(1);
  });

  it('keeps a window per event and agent, and caps them all together', () => {
    const l = new Limiter({ rate: { count: 1, perMs: 60_000 }, total: { count: 3, perMs: 60_000 } });
    expect(['a', 'b', 'c', 'd', 'e'].map((a) => l.admit(fail(a), 0))).toEqual(['send', 'send', 'send', 'held', 'held']);
    expect(l.admit({ ...fail('a'), event: 'stall' }, 1)).toBe('held');
    const due = l.due(60_000);
    expect(due.map((n) => n.title)).toEqual(['agor: notifications held back']);
    expect(due[0]!.body).toMatch(/^3 more in the last 60 s/);
    expect(l.admit(fail('f'), 60_001)).toBe('send');
  });

  it('lets count notifications through per window', () => {
    const l = new Limiter({ rate: { count: 2, perMs: 10_000 }, total: { count: 10, perMs: 10_000 } });
    expect([0, 1, 2].map((t) => l.admit(fail(), t))).toEqual(['send', 'send', 'held']);
    expect(l.admit(fail(), 10_000)).toBe('held');
  });
});

describe('the desktop call', () => {
  it('passes agor, the urgency and the texts to notify-send as argv, options ended before the texts', () => {
    expect(sendArgv({ notifySend: '/usr/bin/notify-send' }, '-t', 'b', 'critical')).toEqual({
      file: '/usr/bin/notify-send',
      args: ['--app-name=agor', '--urgency=critical', '--', '-t', 'b'],
      via: 'notify-send',
    });
  });

  it('quotes the texts as GVariant strings for gdbus', () => {
    expect(gvariantString(`it's a \\ test`)).toBe(`'it\\'s a \\\\ test'`);
    const a = sendArgv({ gdbus: '/usr/bin/gdbus' }, 'T', 'B', 'low')!;
    expect(a.args.slice(-4)).toEqual(["'B'", '[]', "{'urgency': <byte 0>}", '-1']);
  });

  it("reads the server's name from dbus-send's and gdbus's replies", () => {
    expect(serverName('method return time=1\n   string "dunst"\n   string "knopwob"\n')).toBe('dunst');
    expect(serverName("('xfce4-notifyd', 'Xfce', '0.7.3', '1.2')\n")).toBe('xfce4-notifyd');
    expect(serverName('')).toBeNull();
  });
});

describe('the notifier', () => {
  const t = freshDb();
  const make = (config = DEFAULT_NOTIFY, scrub?: (runId: string | null) => (s: string) => string) => {
    const events: Event[] = [];
    const log: string[] = [];
    let now = 0;
    const n = new Notifier({ db: t.db, config, log: (l) => log.push(l), emit: (ev) => events.push(ev), now: () => now, scrub, env: {} });
    return { n, events, log, at: (ms: number) => (now = ms) };
  };
  const notes = (events: Event[]) => events.filter((e): e is Extract<Event, { event: 'notify' }> => e.event === 'notify');

  it('without a session bus says so once, and still hands each notification to the dashboards, once per window', async () => {
    const { n, events, log, at } = make();
    n.start();
    await waitFor(
      'the answer',
      () => log,
      (l) => l.length > 0,
    );
    expect(log).toEqual(['notifications: off (no session bus)']);
    for (let i = 0; i < 5; i++) (at(i * 1000), n.onEvent(runEnd({ run: `r${i}` })));
    expect(notes(events)).toEqual([
      {
        event: 'notify',
        at: new Date(0).toISOString(),
        kind: 'agent_failed',
        agent: 'worker',
        title: 'agor: worker failed',
        body: 'exit 1',
        bell: true,
        desktop: false,
      },
    ]);
    n.stop();
  });

  it('notifies a new pending approval request once, its text through the run scrubber', async () => {
    addAgents(t.db, ['w']);
    requestApproval(t.db, { agent: 'w', runId: null, action: 'old', detail: null, timeoutMs: 60_000 });
    const { n, events } = make(DEFAULT_NOTIFY, () => (s) => s.replace('hunter2', '[redacted]'));
    n.start();
    const r = requestApproval(t.db, { agent: 'w', runId: null, action: 'deploy', detail: 'password hunter2', timeoutMs: 60_000 });
    n.poll();
    n.poll();
    // Sent once the desktop has answered (here: no session bus).
    const sent = await waitFor(
      'the notification',
      () => notes(events),
      (l) => l.length > 0,
    );
    expect(sent.map((e) => [e.kind, e.body])).toEqual([['approval', `deploy: password [redacted] (agor approval approve ${r.id})`]]);
    n.stop();
  });

  it('keeps quiet for events agor.yaml turns off, and takes a reloaded notify: at once', () => {
    const { n, events } = make({ ...DEFAULT_NOTIFY, desktop: false, events: { ...DEFAULT_NOTIFY.events, agent_failed: false } });
    n.start();
    n.onEvent(runEnd({}));
    expect(notes(events)).toEqual([]);
    n.reconfigure({ ...DEFAULT_NOTIFY, desktop: false });
    n.onEvent(runEnd({}));
    expect(notes(events).map((e) => [e.kind, e.bell, e.desktop])).toEqual([['agent_failed', true, false]]);
    n.stop();
  });
});
