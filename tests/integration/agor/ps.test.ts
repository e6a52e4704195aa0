import { describe, expect, it } from 'vitest';
import { group, ms, sh, sql } from './fixture.js';

describe.concurrent('agor ps', () => {
  it('says how each agent last ended and why a failed one failed, with or without a supervisor', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        net: { command: sh('echo "error: connect ECONNREFUSED 127.0.0.1:443" >&2; exit 1'), restart: { max_retries: 0 }, stop_grace: '1s' },
        hung: { command: sh('echo once; exec sleep 300'), stall_after: '2s', on_stall: 'kill', stop_grace: '1s' },
        fine: { command: sh('exec sleep 300'), stop_grace: '1s' },
      },
    });
    await g.up();
    await g.waitAgent('net', 'failed', (a) => a.state === 'failed');
    await g.waitAgent('hung', 'killed after its stall', (a) => a.last_outcome === 'failed' && a.pid === null, 15_000);

    const ps = Object.fromEntries((await g.ps()).map((a) => [a.id, a]));
    expect(ps.net).toMatchObject({ last_outcome: 'failed', last_error_class: 'network', last_note: null });
    expect(ps.hung).toMatchObject({ last_outcome: 'failed', last_note: 'killed after 2 s without output or heartbeat' });
    // Still on its first run: nothing has ended yet.
    expect(ps.fine).toMatchObject({ last_outcome: null, last_error_class: null, last_note: null });

    const human = await g.agor(['ps'], { env: { NO_COLOR: '1' } });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/LAST RUN/);
    expect(human.stdout).toMatch(/^net .*failed \(network\)/m);
    expect(human.stdout).toMatch(/^hung: last run failed \(\w+\), signal SIG\w+: killed after 2 s without output or heartbeat {2}\(agor why hung\)$/m);
    // A failed run without a note says why in its output's last line.
    expect(human.stdout).toMatch(/^net: last run failed \(network\), exit 1: error: connect ECONNREFUSED 127\.0\.0\.1:443 {2}\(agor why net\)$/m);

    // Without a supervisor, the same from the database.
    expect((await g.down()).code).toBe(0);
    const offline = Object.fromEntries((await g.ps()).map((a) => [a.id, a]));
    expect(offline.net).toMatchObject({ supervised: false, last_outcome: 'failed', last_error_class: 'network' });
    expect(offline.hung).toMatchObject({ last_note: 'killed after 2 s without output or heartbeat' });
    // agor down cancelled the one that was running.
    expect(offline.fine).toMatchObject({ last_outcome: 'cancelled' });

    // A note's last line is what the table's footnote shows, and its escape sequences are shown, not played.
    sql(g.db, (db) => db.prepare(`UPDATE runs SET note = ? WHERE agent = 'net'`).run('first line\nthe reason \x1b[2J\x1b]0;owned\x07\n'));
    const shown = await g.agor(['ps'], { env: { NO_COLOR: '1' } });
    expect(shown.stdout).not.toContain('\x1b');
    expect(shown.stdout).toMatch(/^net: last run failed \(network\), exit 1: the reason \^\[\[2J\^\[\]0;owned\^G {2}\(agor why net\)$/m);
    expect((await g.ps()).find((a) => a.id === 'net')!.last_note).toBe('first line\nthe reason \x1b[2J\x1b]0;owned\x07\n');
  });

  it("keeps a busy agent's last output current, and shows a stalled agent as degraded, not healthy", async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        busy: { command: sh('while :; do echo tick; sleep 0.3; done'), stall_after: '3s', stop_grace: '1s' },
        quiet: { command: sh('echo hello; exec sleep 300'), stall_after: '2s', stop_grace: '1s' },
      },
    });
    await g.up();
    const quiet = await g.waitAgent('quiet', 'stalled', (a) => a.state === 'stalled', 15_000);
    expect(quiet).toMatchObject({ health: 'degraded', attention_reason: 'stalled' });

    // Well past its stall_after, the busy one is running, healthy, and its output recent.
    await g.waitAgent('busy', 'up for more than its stall_after', (a) => (a.uptime_s ?? 0) >= 5, 15_000);
    const asked = Date.now();
    const busy = await g.agent('busy');
    expect(busy).toMatchObject({ state: 'running', health: 'healthy', last_heartbeat_at: null });
    // The supervisor looks at the log every second; the agent writes every 0.3 s.
    expect(ms(busy.last_output_at)).toBeGreaterThan(asked - 2500);
  });
});
