import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startKeyring } from '../../helpers/keyring.js';
import { type RunResult, runAsync } from '../../helpers/cli.js';
import { EXIT, type Group, group, refused, sh, sql, waitFor, waitGone } from './fixture.js';
import type { SearchHit } from '../../../src/supervisor/search.js';

/** A hit as `agor search --json` prints it. */
type Hit = SearchHit;

// Made-up credential in a real token shape, as a leaky tool would print it.
const GHP = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';

const search = (g: Group, args: string[]) => g.ok<Hit[]>(['search', ...args]);

/** Waits until `agor search WORD --kind log` finds the run's log (it is indexed just after the run ends). */
const indexed = (g: Group, word: string, timeout = 20_000) =>
  waitFor(
    `the run log with ${word} to be searchable`,
    () => search(g, [word, '--kind', 'log']),
    (hs) => hs.length > 0,
    { timeout, interval: 200 },
  );

/** Runs a hit's open command (agor, btmsg or bttask, its own words) as a user would. */
function open(h: Hit, env: Record<string, string> = {}): Promise<RunResult> {
  const [bin, ...args] = h.open.split(' ');
  return runAsync(bin!, args, { timeout: 30_000, env });
}

/** A script the agent runs, written to a file so that its quoting is the shell's, not YAML's. */
function script(g: Group, name: string, body: string): string[] {
  const path = join(g.dir, name);
  writeFileSync(path, body);
  return ['sh', path];
}

describe.concurrent('agor search', () => {
  it("finds a word in a message, a channel post, a task, a comment and a run's log, ranked, each with a command that opens it; never a secret of the run", async ({
    onTestFinished,
  }) => {
    const kr = await startKeyring();
    onTestFinished(() => kr.stop());
    // Not a token shape: only the run's own secret values can redact it.
    const secret = `Sekr1t${process.pid}Value`;
    const g = group(onTestFinished);
    g.write({
      agents: {
        worker: {
          mode: 'on-demand',
          sandbox: 'off',
          secrets: [{ name: 'PW', from: 'API_PASSWORD' }],
          command: script(
            g,
            'worker.sh',
            [
              'echo "starting the zebra crossing with $PW"',
              `echo "token ${GHP} and zebra"`,
              // A Claude Code transcript line: its words are indexed, not its JSON.
              `echo '{"type":"assistant","message":{"content":[{"type":"text","text":"the zebra said $PW"}]}}'`,
              'echo done',
            ].join('\n'),
          ),
        },
      },
    });
    const set = await g.agor(['secret', 'set', 'API_PASSWORD', '-f', g.file], { env: kr.env, input: `${secret}\n` });
    expect(set.code, set.stderr).toBe(0);
    await g.up(kr.env);

    const send = await g.agor(['wake', 'worker']);
    expect(send.code, send.stderr).toBe(0);
    const msg = await runAsync('btmsg', ['send', 'worker', 'please look at the zebra report', '--db', g.db]);
    expect(msg.code, msg.stderr).toBe(0);
    for (const args of [
      ['channel', 'create', 'ops', 'worker'],
      ['channel', 'send', 'ops', 'zebra sighted on the channel'],
    ]) {
      const r = await runAsync('btmsg', [...args, '--db', g.db]);
      expect(r.code, r.stderr).toBe(0);
    }
    const task = await runAsync('bttask', ['add', 'Zebra migration', '--json', '--db', g.db]);
    expect(task.code, task.stderr).toBe(0);
    const taskId = (JSON.parse(task.stdout) as { id: string }).id;
    const other = await runAsync('bttask', ['add', 'Paint the fence', '--json', '--db', g.db]);
    const otherId = (JSON.parse(other.stdout) as { id: string }).id;
    const comment = await runAsync('bttask', ['comment', otherId, 'a zebra ate the paint', '--db', g.db]);
    expect(comment.code, comment.stderr).toBe(0);

    await g.waitRuns('worker', 'a run that ended', (rs) => rs.some((r) => r.outcome !== null), 20_000);
    await indexed(g, 'zebra');
    const hits = await search(g, ['zebra']);
    expect(new Set(hits.map((h) => h.kind))).toEqual(new Set(['message', 'channel', 'task', 'comment', 'log']));
    // Best first.
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    const byKind = Object.fromEntries(hits.map((h) => [h.kind, h])) as Record<Hit['kind'], Hit>;
    expect(byKind.task).toMatchObject({ id: taskId, place: 'Zebra migration' });
    expect(byKind.comment).toMatchObject({ task: otherId, agent: 'admin' });
    expect(byKind.channel).toMatchObject({ channel: 'ops', place: '#ops' });
    expect(byKind.message).toMatchObject({ agent: 'admin', place: 'to worker' });
    expect(byKind.log).toMatchObject({ agent: 'worker', place: expect.stringMatching(/^run #\d+$/) });
    // The transcript's words, its JSON plumbing left out; the run's secrets redacted.
    expect(byKind.log.snippet).toContain('zebra');
    for (const h of hits) {
      expect(h.snippet).not.toContain(secret);
      expect(h.snippet).not.toContain(GHP);
      expect(h.open).toMatch(/ --db /);
      expect(Date.parse(h.at)).not.toBeNaN();
    }

    // Each open command works and shows the hit.
    for (const h of hits) {
      const r = await open(h, kr.env);
      expect(r.code, `${h.open}: ${r.stderr}`).toBe(0);
      expect(r.stdout.toLowerCase(), h.open).toContain('zebra');
    }

    // The secret is neither findable nor stored in the index.
    expect(await search(g, [secret])).toEqual([]);
    expect(await search(g, [GHP])).toEqual([]);
    const stored = sql(g.db, (db) => db.prepare('SELECT group_concat(text, char(10)) AS t FROM run_log_chunks').get() as { t: string });
    expect(stored.t).toContain('[REDACTED:PW]');
    expect(stored.t).toContain('[REDACTED:github-token]');
    expect(stored.t).not.toContain(secret);
    expect(stored.t).not.toContain('"type":"assistant"');

    // Human output: where, the snippet with the match marked, and the command.
    const human = await g.agor(['search', 'zebra', '--kind', 'log']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^log {6}[0-9a-f]{8} {2}worker {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}run #\d+/);
    expect(human.stdout).toContain('[zebra]');
    expect(human.stdout).toContain(`agor logs worker --run ${byKind.log.id.slice(0, 8)} -n `);
  }, 120_000);

  it('narrows hits with --agent, --since, --kind and --limit, and prints a stable --json shape', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        alpha: { mode: 'on-demand', sandbox: 'off', command: sh('echo alpha saw the okapi') },
        beta: { mode: 'on-demand', sandbox: 'off', command: sh('echo beta saw the okapi too') },
      },
    });
    await g.up();
    expect((await g.agor(['wake', 'alpha'])).code).toBe(0);
    expect((await g.agor(['wake', 'beta'])).code).toBe(0);
    // To someone agor does not run, so that it wakes no one.
    expect((await runAsync('btmsg', ['register', 'carol', 'Carol', 'project', 'demo', '--db', g.db])).code).toBe(0);
    const old = await runAsync('btmsg', ['send', 'carol', 'an old okapi story', '--json', '--db', g.db]);
    const oldId = (JSON.parse(old.stdout) as { id: string }).id;
    // Two days old, as if sent then.
    sql(g.db, (db) => db.prepare("UPDATE messages SET created_at = datetime('now', '-2 days') WHERE id = ?").run(oldId));
    await waitFor(
      'both runs indexed',
      () => search(g, ['okapi', '--kind', 'log']),
      (hs) => hs.length === 2,
      { timeout: 20_000, interval: 200 },
    );

    const all = await search(g, ['okapi']);
    expect(all.map((h) => h.kind).sort()).toEqual(['log', 'log', 'message']);
    expect((await search(g, ['okapi', '--agent', 'beta'])).map((h) => [h.kind, h.agent])).toEqual([['log', 'beta']]);
    // carol received the message.
    expect((await search(g, ['okapi', '--agent', 'carol'])).map((h) => h.kind)).toEqual(['message']);
    expect((await search(g, ['okapi', '--since', '1d'])).map((h) => h.kind)).toEqual(['log', 'log']);
    expect((await search(g, ['okapi', '--since', '3d'])).length).toBe(3);
    expect(await search(g, ['okapi', '--since', '2099-01-01'])).toEqual([]);
    expect((await search(g, ['okapi', '--kind', 'message'])).map((h) => h.id)).toEqual([oldId]);
    expect((await search(g, ['okapi', '--kind', 'messages,logs'])).length).toBe(3);
    expect(await search(g, ['okapi', '--limit', '1'])).toHaveLength(1);

    const [hit] = await search(g, ['okapi', '--kind', 'message']);
    expect(Object.keys(hit!).sort()).toEqual(['agent', 'at', 'bm25', 'id', 'kind', 'open', 'place', 'score', 'snippet']);
    expect(hit).toMatchObject({ kind: 'message', id: oldId, agent: 'admin', place: 'to carol', snippet: 'an old okapi story' });
    expect(hit!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const [log] = await search(g, ['okapi', '--kind', 'log', '--agent', 'alpha']);
    expect(Object.keys(log!).sort()).toEqual(['agent', 'at', 'bm25', 'id', 'kind', 'line', 'open', 'place', 'score', 'snippet']);
    expect(log!.line).toBe(1);
  }, 120_000);

  it('searches for what was typed, FTS5 syntax and all, and refuses bad input with exit 2', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    expect((await runAsync('btmsg', ['register', 'bob', 'Bob', 'project', 'demo', '--db', g.db])).code).toBe(0);
    const send = await runAsync('btmsg', ['send', 'bob', 'a "quoted" note: key-value AND more*', '--db', g.db]);
    expect(send.code, send.stderr).toBe(0);
    for (const q of ['"', '*', 'AND', '-', ':', 'key-value', '"quoted', 'note:', 'more*', 'NEAR(', 'OR NOT', '^', '(', 'content:note']) {
      const r = await g.agor(['search', q, '--json']);
      expect(r.code, `agor search ${q}: ${r.stderr}`).toBe(0);
    }
    expect((await search(g, ['key-value'])).map((h) => h.kind)).toEqual(['message']);
    expect((await search(g, ['"quoted"'])).map((h) => h.kind)).toEqual(['message']);
    // --raw hands FTS5 its own syntax; a query it cannot parse is the user's mistake.
    expect(await search(g, ['--raw', 'quot*'])).toHaveLength(1);
    refused(await g.agor(['search', '--raw', 'AND AND']), EXIT.USAGE, /invalid FTS5 query/);
    refused(await g.agor(['search', ' ']), EXIT.USAGE, /search text is empty/);
    refused(await g.agor(['search', 'x', '--kind', 'mail']), EXIT.USAGE, /unknown --kind 'mail'/);
    refused(await g.agor(['search', 'x', '--since', 'yesterday']), EXIT.USAGE, /invalid time 'yesterday'/);
    refused(await g.agor(['search', 'x', '--limit', '0']), EXIT.USAGE, /invalid --limit/);
  }, 120_000);

  it('shows escape sequences and control characters in stored text escaped, never raw', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { noisy: { mode: 'on-demand', sandbox: 'off', command: sh(`printf 'the \\033[31mwalrus\\033[0m \\033]0;pwned\\007 rang \\007 twice\\n'`) } },
    });
    await g.up();
    expect((await g.agor(['wake', 'noisy'])).code).toBe(0);
    const body = 'walrus \x1b]0;owned\x07 \x1b[2J cleared \u202e reversed';
    expect((await runAsync('btmsg', ['send', 'noisy', body, '--db', g.db])).code).toBe(0);
    await indexed(g, 'walrus');
    const human = await g.agor(['search', 'walrus'], { env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(human.code, human.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- the colours agor adds
    const ours = human.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    // eslint-disable-next-line no-control-regex -- what must not be there
    expect(ours).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(ours).toContain('^[');
    expect(ours).toContain('<U+202E>');
    // The colour is ours: the match, in bold yellow.
    // eslint-disable-next-line no-control-regex -- as above
    expect(human.stdout).toMatch(/\x1b\[[0-9;]*mwalrus/);
    // The log's colours are gone from the index, its bell shown.
    const [log] = await search(g, ['walrus', '--kind', 'log']);
    expect(log!.snippet).toContain('the walrus');
    expect(log!.snippet).toContain('^G');
    const json = await g.agor(['search', 'walrus', '--json']);
    // eslint-disable-next-line no-control-regex -- as above
    expect(json.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  }, 120_000);

  it('forgets a run that the 100-runs retention removes', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const flag = join(g.dir, 'ran-once');
    g.write({
      agents: { keeper: { mode: 'on-demand', sandbox: 'off', command: sh(`if [ -e ${flag} ]; then echo later run; else touch ${flag}; echo the quagga run; fi`) } },
    });
    await g.up();
    expect((await g.agor(['wake', 'keeper'])).code).toBe(0);
    const [first] = await indexed(g, 'quagga');
    // A hundred later runs, as if they had been: the first run is now beyond the kept ones.
    sql(g.db, (db) => {
      const insert = db.prepare("INSERT INTO runs (id, agent, incarnation, started_at, ended_at, outcome) VALUES (?, 'keeper', ?, ?, ?, 'success')");
      const t = Date.now();
      for (let i = 0; i < 100; i++) insert.run(randomUUID(), 100 + i, t + i, t + i + 1);
    });
    expect((await g.agor(['wake', 'keeper'])).code).toBe(0);
    await waitFor(
      'the first run to be removed',
      () => sql(g.db, (db) => db.prepare('SELECT count(*) AS n FROM runs WHERE id = ?').get(first!.id) as { n: number }),
      (r) => r.n === 0,
      { timeout: 20_000, interval: 200 },
    );
    expect(await search(g, ['quagga'])).toEqual([]);
    const left = sql(g.db, (db) => db.prepare('SELECT count(*) AS n FROM run_log_chunks WHERE run_id = ?').get(first!.id) as { n: number });
    expect(left.n).toBe(0);
    await indexed(g, 'later');
  }, 120_000);

  it('indexes a run that ended while no supervisor ran, at the next start', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const go = join(g.dir, 'go');
    g.write({
      agents: {
        lone: { mode: 'on-demand', sandbox: 'off', command: sh(`echo the narwhal waits; while [ ! -e ${go} ]; do sleep 0.1; done; echo the narwhal left`) },
      },
    });
    const sup = await g.up();
    expect((await g.agor(['wake', 'lone'])).code).toBe(0);
    const a = await g.waitAgent('lone', 'running', (x) => x.state === 'running' && x.pid !== null, 20_000);
    process.kill(sup.pid, 'SIGKILL');
    await waitGone(sup.pid, 'the supervisor');
    writeFileSync(go, '');
    await waitGone(a.pid!, 'the agent');
    expect(await search(g, ['narwhal'])).toEqual([]);
    await g.up();
    const [hit] = await indexed(g, 'narwhal');
    expect(hit!.snippet).toContain('left');
  }, 120_000);
});
