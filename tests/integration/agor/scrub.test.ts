import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGOR, AGOR_SH, type RunView, group, sh, sql, waitFor } from './fixture.js';

// Made-up credentials in the real shapes; the agents print them as a leaky tool would.
const GHP = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const ANT = 'sk-ant-api03-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-Dc_Ba9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7Ba6Zx5Yw4Vu3Ts2Rq1Po0NmAA';
const PRINTS = `echo "GH_TOKEN=${GHP}"; echo "using key ${ANT} for the API"`;
const REDACTED = ['GH_TOKEN=[REDACTED:github-token]', 'using key [REDACTED:anthropic-key] for the API'];

const clean = (text: string) => !text.includes(GHP) && !text.includes(ANT);

/**
 * An on-demand agent that prints both tokens and ends as a failed sandbox helper would,
 * so that its run's note quotes a token too.
 */
const LEAKY = {
  mode: 'on-demand',
  sandbox: 'off',
  command: sh(`${PRINTS}; echo "agor-sandbox: cannot open /tmp/${GHP}"; exit 125`),
  stop_grace: '1s',
};
/** A service that prints both tokens every 0.2 s. */
const CHATTY = { command: sh(`while :; do ${PRINTS}; sleep 0.2; done`), stop_grace: '1s' };

describe.concurrent('secrets in what agor shows', () => {
  it('agor logs, the socket and the runs table show an agent’s tokens redacted; the log file keeps them', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { leaky: LEAKY } });
    await g.up();
    const c = await g.connect();
    await c.request('subscribe');
    expect((await g.agor(['wake', 'leaky'])).code).toBe(0);
    const [run] = await g.waitRuns('leaky', 'a run that ended', (rs) => rs[0]?.outcome != null);
    expect(run).toMatchObject({ outcome: 'failed', error_class: 'sandbox' });
    expect(run!.note).toBe('the sandbox could not be set up: cannot open /tmp/[REDACTED:github-token]');
    const end = await c.next('run_end', (l) => l.event === 'run_end');
    expect(end.note).toBe(run!.note);
    const stored = sql(g.db, (db) => db.prepare('SELECT note FROM runs WHERE id = ?').get(run!.id) as { note: string });
    expect(stored.note).toBe(run!.note);

    const logs = await g.agor(['logs', 'leaky']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout.split('\n').slice(0, 2)).toEqual(REDACTED);
    expect(clean(logs.stdout)).toBe(true);
    const asJson = await g.agor(['logs', 'leaky', '--json']);
    expect(asJson.stdout.includes('[REDACTED:anthropic-key]') && clean(asJson.stdout)).toBe(true);
    expect(clean((await g.agor(['logs', 'leaky', '--raw'])).stdout)).toBe(true);
    const answer = await c.request('logs', { agent: 'leaky', lines: 10 });
    expect(answer.result.lines.slice(0, 2)).toEqual(REDACTED);
    expect(clean(JSON.stringify(c.lines))).toBe(true);

    // Without a supervisor agor logs reads the file itself, and scrubs it the same way.
    expect((await g.down()).code).toBe(0);
    const offline = await g.agor(['logs', 'leaky']);
    expect(offline.stdout.split('\n').slice(0, 2)).toEqual(REDACTED);

    // The file is as the agent wrote it, readable by its owner only.
    const raw = g.logOf(run!);
    expect(raw).toContain(GHP);
    expect(statSync(run!.log_path!).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(run!.log_path!)).mode & 0o777).toBe(0o700);
    expect(statSync(dirname(dirname(run!.log_path!))).mode & 0o777).toBe(0o700);
  });

  it('agor logs -f and the socket’s log events show a running agent’s tokens redacted', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { chatty: CHATTY } });
    await g.up();
    const c = await g.connect();
    expect((await c.request('logs', { agent: 'chatty', follow: true, lines: 0 })).ok).toBe(true);
    const ev = await c.next('a log event', (l) => l.event === 'log' && l.text.includes('using key'));
    expect(ev.text).toContain(REDACTED[1]);
    expect(clean(ev.text)).toBe(true);

    const child = spawn(process.execPath, [AGOR, 'logs', 'chatty', '-f', '-n', '1', '--db', g.db], { stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    // Lines that came after the start: the follow stream, not the first answer.
    await waitFor(
      'three followed lines with the GitHub token',
      () => out,
      (o) => o.split('GH_TOKEN=[REDACTED:github-token]').length > 3,
    );
    child.kill('SIGTERM');
    expect(
      out
        .split('\n')
        .filter((l) => l.startsWith('using key'))
        .every((l) => l === REDACTED[1]),
    ).toBe(true);
    expect(clean(out)).toBe(true);
    expect(clean(JSON.stringify(c.lines))).toBe(true);
  });

  it('agor report stores an agent’s evidence with tokens redacted', async ({ onTestFinished }) => {
    const reporter = {
      mode: 'on-demand',
      command: sh(`${AGOR_SH} report --outcome blocked --reason login_wall --evidence "login wall at https://example.com/?token=${GHP}"`),
    };
    const g = group(onTestFinished, { agents: { reporter } });
    await g.up();
    expect((await g.agor(['wake', 'reporter'])).code).toBe(0);
    const [run] = await g.waitRuns('reporter', 'a blocked run', (rs: RunView[]) => rs[0]?.outcome != null);
    expect(run!.outcome).toBe('blocked');
    const row = sql(g.db, (db) => db.prepare('SELECT report_evidence FROM runs WHERE id = ?').get(run!.id) as { report_evidence: string });
    expect(row.report_evidence).toBe('login wall at https://example.com/?token=[REDACTED:github-token]');
    expect((await g.down()).code).toBe(0);
    // Nothing of the token in the database files, WAL included.
    for (const f of readdirSync(dirname(g.db)).filter((n) => n.startsWith(g.db.split('/').pop()!))) {
      expect(readFileSync(`${dirname(g.db)}/${f}`).includes(GHP), f).toBe(false);
    }
  });
});
