import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TestNotifyd, notifydAvailable, startNotifyd } from '../../helpers/notifyd.js';
import { AGOR_SH, group, sh, waitFor, yamlOf } from './fixture.js';

interface DoctorNotifications {
  notifications: { on: boolean; via: string | null; server: string | null; why: string | null };
}

/** A crash loop: exits 3 at once, restarted after 100-200 ms, never given up on. */
const crashing = { command: sh('echo "boom" >&2; exit 3'), restart: { max_retries: 1000, backoff: '100ms', backoff_cap: '200ms' }, stop_grace: '1s' };

const withDaemon = async (onTestFinished: (fn: () => void) => void): Promise<TestNotifyd> => {
  const d = await startNotifyd();
  onTestFinished(() => d.stop());
  return d;
};

describe.skipIf(!notifydAvailable())('desktop notifications through a real notification daemon', () => {
  it('a crash-looping agent makes one desktop notification in its window, not one per crash', async ({ onTestFinished }) => {
    const d = await withDaemon(onTestFinished);
    const f = group(onTestFinished);
    f.write(`${yamlOf({ agents: { worker: crashing } })}notify:\n  rate: 1/1h\n`);
    const up = await f.up(d.env);
    await f.waitRuns('worker', 'five failed runs', (rs) => rs.filter((r) => r.outcome === 'failed').length >= 5, 30_000);
    const shown = await waitFor(
      'the notification of the first crash',
      () => d.shown(),
      (s) => s.length >= 1,
    );
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ appname: 'agor', summary: 'agor: worker failed' });
    expect(shown[0]!.body).toMatch(/exit 3/);
    // The rest are counted in the supervisor's log, not shown.
    const log = readFileSync(up.log, 'utf8');
    expect(log.match(/notify agent_failed:/g)).toHaveLength(1);
    expect(log).toMatch(/notifications: on \(via notify-send, server dunst\)/);
  });

  it('agor doctor says notifications are on, through which tool and which server', async ({ onTestFinished }) => {
    const d = await withDaemon(onTestFinished);
    const f = group(onTestFinished, { agents: { worker: { command: sh('exit 0') } } });
    const r = await f.agor(['doctor', '--json', '-f', f.file], { env: d.env });
    expect((JSON.parse(r.stdout) as DoctorNotifications).notifications).toEqual({ on: true, via: 'notify-send', server: 'dunst', why: null });
    const text = await f.agor(['doctor', '-f', f.file], { env: d.env });
    expect(text.stdout).toMatch(/notifications +on \(via notify-send, server dunst\)/);
  });

  it('an approval request is shown through gdbus when notify-send is not installed, its markup made inert', async ({ onTestFinished }) => {
    const d = await withDaemon(onTestFinished);
    const f = group(onTestFinished);
    // A PATH with the tools the supervisor and the agent use, but no notify-send.
    const bin = join(f.dir, 'bin');
    mkdirSync(bin);
    for (const t of ['sh', 'sleep', 'gdbus', 'dbus-send']) symlinkSync(execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim(), join(bin, t));
    f.write(`${yamlOf({ agents: { worker: { command: sh(`${AGOR_SH} approval request --action 'deploy <b>prod</b>' --timeout 60s; exec sleep 300`) } } })}`);
    await f.up({ ...d.env, PATH: bin });
    const shown = await waitFor(
      'the approval notification',
      () => d.shown(),
      (s) => s.length >= 1,
      { timeout: 20_000 },
    );
    expect(shown[0]).toMatchObject({ appname: 'agor', summary: 'agor: worker asks for approval' });
    expect(shown[0]!.body).toBe('deploy &lt;b&gt;prod&lt;/b&gt; (agor approval approve 1)');
  });
});

describe('without a notification service', () => {
  it('a failing agent leaves the supervisor running, its log says once that notifications are off, and doctor says why', async ({ onTestFinished }) => {
    const f = group(onTestFinished);
    f.write(`${yamlOf({ agents: { worker: crashing } })}notify:\n  rate: 1/1h\n`);
    const noBus = { DBUS_SESSION_BUS_ADDRESS: '' };
    const up = await f.up(noBus);
    await f.waitRuns('worker', 'three failed runs', (rs) => rs.filter((r) => r.outcome === 'failed').length >= 3, 30_000);
    expect((await f.agent('worker')).health).not.toBe('failed');
    const log = await waitFor(
      'the notification to be logged',
      () => readFileSync(up.log, 'utf8'),
      (l) => /notify agent_failed:/.test(l),
    );
    expect(log.match(/notifications: off \(no session bus\)/g)).toHaveLength(1);
    // The dashboards' bell still hears of it, once in the window.
    expect(log.match(/notify agent_failed: agor: worker failed — exit 3/g)).toHaveLength(1);
    const r = await f.agor(['doctor', '--json', '-f', f.file], { env: noBus });
    expect((JSON.parse(r.stdout) as DoctorNotifications).notifications).toEqual({ on: false, via: null, server: null, why: 'no session bus' });
    const text = await f.agor(['doctor', '-f', f.file], { env: noBus });
    expect(text.stdout).toMatch(/notifications +off \(no session bus\)/);
  });

  it('notifies only the events agor.yaml lists: a stall does, a failure then does not', async ({ onTestFinished }) => {
    const f = group(onTestFinished);
    f.write(
      `${yamlOf({ agents: { hung: { command: sh('echo once; exec sleep 300'), stall_after: '1s', on_stall: 'kill', stop_grace: '1s', restart: { max_retries: 0 } } } })}notify:\n  events: [stall]\n`,
    );
    const up = await f.up({ DBUS_SESSION_BUS_ADDRESS: '' });
    await f.waitRuns('hung', 'the stalled run killed', (rs) => rs.some((r) => r.outcome !== null), 20_000);
    const log = await waitFor(
      'the stall notification',
      () => readFileSync(up.log, 'utf8'),
      (l) => /notify stall: agor: hung stalled — no output for \d+ s \(on_stall: kill\)/.test(l),
    );
    // The run killed for its stall ended failed: not a notification here.
    await f.waitAgent('hung', 'failed', (a) => a.state === 'failed');
    expect(readFileSync(up.log, 'utf8').match(/notify /g)).toHaveLength(1);
    expect(log).not.toMatch(/notify agent_failed/);
  });
});
