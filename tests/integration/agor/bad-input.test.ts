import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunView, EXIT, group, refused, sh, sql, waitFor } from './fixture.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** agor.yaml texts that must be refused, the line at fault, and the key named (null: none, as for a YAML syntax error). */
const BAD: [what: string, text: string, line: number, key: string | null, says: RegExp][] = [
  ['malformed YAML', 'group: g\nagents:\n  w:\n    command: ["sh", "-c"\n    mode: service\n', 5, null, /not valid YAML/],
  ['an unknown key', 'group: g\nagents:\n  w:\n    command: ["sh"]\n    colour: red\n', 5, 'agents.w.colour', /unknown key/],
  [
    'a wrong type',
    'group: g\nagents:\n  w:\n    command: ["sh"]\n    restart:\n      max_retries: three\n',
    6,
    'agents.w.restart.max_retries',
    /must be a whole number/,
  ],
  ['a command that is not a list', 'group: g\nagents:\n  w:\n    command: sh -c true\n', 4, 'agents.w.command', /must be a list/],
  ['a duplicate agent id', 'group: g\nagents:\n  w:\n    command: ["sh"]\n  w:\n    command: ["sh"]\n', 5, 'agents.w', /declared twice/],
  ['a missing command', 'group: g\nagents:\n  w:\n    mode: service\n', 4, 'agents.w.command', /is required/],
  [
    'a command that does not exist',
    'group: g\nagents:\n  w:\n    command: ["no-such-program-7f3a"]\n',
    4,
    'agents.w.command',
    /'no-such-program-7f3a' is not an executable/,
  ],
  [
    'a bad cron expression',
    'group: g\nagents:\n  w:\n    command: ["sh"]\n    schedules:\n      - cron: "61 * * * *"\n        tz: UTC\n',
    6,
    'agents.w.schedules[0].cron',
    /cannot parse/,
  ],
  [
    'a cron with too few fields',
    'group: g\nagents:\n  w:\n    command: ["sh"]\n    schedules:\n      - cron: "every day"\n',
    6,
    'agents.w.schedules[0].cron',
    /has 2 fields/,
  ],
  [
    'an unknown time zone',
    'group: g\nagents:\n  w:\n    command: ["sh"]\n    schedules:\n      - cron: "0 9 * * *"\n        tz: Mars/Olympus\n',
    7,
    'agents.w.schedules[0].tz',
    /unknown time zone 'Mars\/Olympus'/,
  ],
  ['a negative duration', 'group: g\nagents:\n  w:\n    command: ["sh"]\n    stall_after: -5s\n', 5, 'agents.w.stall_after', /must be a duration/],
  [
    'a negative number of seconds',
    'group: g\nagents:\n  w:\n    command: ["sh"]\n    restart: { backoff: -1 }\n',
    5,
    'agents.w.restart.backoff',
    /must be a duration/,
  ],
  ['an absurd duration', 'group: g\nagents:\n  w:\n    command: ["sh"]\n    timeout: 999d\n', 5, 'agents.w.timeout', /must be between 1s and 7d/],
  ['a cwd that does not exist', 'group: g\nagents:\n  w:\n    command: ["sh"]\n    cwd: no-such-dir\n', 5, 'agents.w.cwd', /no-such-dir does not exist/],
  [
    'nested aliases that would expand a billion times',
    `bomb:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n${[...'bcdefghi'].map((n, i) => `  ${n}: &${n} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(',')}]`).join('\n')}\ngroup: g\n`,
    5,
    null,
    /aliases expand to more than 10000 nodes/,
  ],
  [
    'a contact that is not in the group',
    'group: g\nagents:\n  w:\n    command: ["sh"]\n    contacts: [ghost]\n',
    5,
    'agents.w.contacts[0]',
    /'ghost' is not an agent of this group/,
  ],
];

describe.concurrent('agor up with a bad agor.yaml', () => {
  it('exits 2 naming file:line and the key, for each kind of mistake, and leaves the database free', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    for (const [what, text, line, key, says] of BAD) {
      const file = g.write(text);
      const r = await g.agor(['up', '-d', '-f', file]);
      const where = `^agor: ${escape(file)}:${line}: ${key === null ? '' : `${escape(key)}: `}`;
      expect({ what, code: r.code, stdout: r.stdout, stderr: r.stderr.split('\n')[0] }).toEqual({
        what,
        code: EXIT.USAGE,
        stdout: '',
        stderr: expect.stringMatching(new RegExp(where + '.*' + says.source)),
      });
    }
    // In the foreground too.
    const file = g.write(BAD[1]![1]);
    refused(await g.agor(['up', '--headless', '-f', file]), EXIT.USAGE, new RegExp(`${escape(file)}:5: agents\\.w\\.colour: unknown key`));

    // Nothing holds the database: a good file starts at once.
    g.write({ agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const up = await g.agor(['up', '-d', '-f', g.file, '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(await g.agent('w')).toMatchObject({ state: 'running', supervised: true });
    // Seventeen agor processes one after another: a bound for a loaded machine, not a wait.
  }, 180_000);

  it('accepts YAML anchors and aliases, as any YAML reader does', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const file = g.write(
      [
        'group: g',
        'agents:',
        '  one:',
        '    command: &cmd ["sh", "-c", "exec sleep 300"]',
        '    restart: &policy { max_retries: 2, backoff: 200ms }',
        '    stop_grace: 1s',
        '  two:',
        '    command: *cmd',
        '    restart: *policy',
        '    stop_grace: 1s',
        '',
      ].join('\n'),
    );
    const r = await g.agor(['up', '-d', '-f', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((await g.ps()).map((a) => [a.id, a.state])).toEqual([
      ['one', 'running'],
      ['two', 'running'],
    ]);
  });
});

describe.concurrent('agor verbs with bad input', () => {
  it('refuses an unknown agent with exit 3, with or without a supervisor', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    refused(await g.agor(['start', 'nosuch']), EXIT.NOT_FOUND, /no agent 'nosuch' is managed by agor here/);
    await g.up();
    for (const verb of ['start', 'stop', 'restart']) {
      refused(await g.agor([verb, 'nosuch']), EXIT.NOT_FOUND, new RegExp(`no agent 'nosuch' in ${escape(g.file)}`));
    }
    refused(await g.agor(['start', 'w', 'nosuch']), EXIT.NOT_FOUND, /no agent 'nosuch'/);
    refused(await g.agor(['logs', 'nosuch']), EXIT.NOT_FOUND, /no agent 'nosuch'/);
    // Nothing happened to the one that exists.
    expect(await g.agent('w')).toMatchObject({ state: 'running' });
    expect(await g.runs('w')).toHaveLength(1);
  });

  it('refuses a second supervisor on the same database with exit 7, naming the pid that holds it', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const first = await g.up();
    const held = new RegExp(`another supervisor holds ${escape(g.db)}: pid ${first.pid}\\b`);
    refused(await g.agor(['up', '-d', '-f', g.file]), EXIT.BUSY, held);
    refused(await g.agor(['up', '--headless', '-f', g.file]), EXIT.BUSY, held);
    // The first one is untouched and still answers.
    const ps = await g.ps();
    expect(ps).toEqual([expect.objectContaining({ id: 'w', state: 'running', supervised: true })]);
    expect(await g.runs('w')).toHaveLength(1);
    expect(sql(g.db, (d) => d.prepare('SELECT pid FROM supervisor').all())).toEqual([{ pid: first.pid }]);
  });

  it('lets exactly one of two supervisors started at the same moment run; the other exits 7', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const [a, b] = await Promise.all([g.agor(['up', '-d', '-f', g.file, '--json']), g.agor(['up', '-d', '-f', g.file, '--json'])]);
    const codes = [a.code, b.code].sort();
    expect(codes, `stderr: ${a.stderr} ${b.stderr}`).toEqual([EXIT.OK, EXIT.BUSY]);
    const [won, lost] = a.code === 0 ? [a, b] : [b, a];
    const pid = (JSON.parse(won.stdout) as { pid: number }).pid;
    expect(JSON.parse(lost.stderr)).toMatchObject({ error: { code: 'busy', exit: 7, message: expect.stringMatching(new RegExp(`pid ${pid}\\b`)) } });
    expect(await g.agent('w')).toMatchObject({ state: 'running', supervised: true });
    expect(await g.runs('w')).toHaveLength(1);
  });

  it('answers garbage on the control socket with errors and keeps serving the connection', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    await g.up();
    expect(statSync(g.socket).mode & 0o777).toBe(0o600);
    const c = await g.connect();
    expect(await c.request('hello')).toMatchObject({ ok: true, result: { protocol: 1, group: 'test', db: g.db } });

    await c.write('hello\n');
    expect(await c.next('an answer to a line that is not JSON', (l) => l.id === null && l.ok === false)).toMatchObject({ error: { code: 'bad_request', exit: 2 } });
    await c.write('{"id": 7, "op": "explode"}\n');
    expect(await c.next('an answer to an unknown op', (l) => l.id === 7)).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: 'unknown op "explode"' },
    });
    await c.write('[1, 2]\n\n   \n{"id": 8}\n');
    expect(await c.next('an answer without an op', (l) => l.id === 8)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(c.lines.filter((l) => l.ok === false && l.id === null)).toHaveLength(2);
    expect(await c.request('start', { agents: 'w' })).toMatchObject({ ok: false, error: { code: 'usage', exit: 2 } });
    expect(await c.request('stop', { agents: ['nosuch'] })).toMatchObject({ ok: false, error: { code: 'not_found', exit: 3 } });

    // A 2 MiB line is refused without being held, and what follows it on the same connection is served.
    await c.write(
      Buffer.concat([Buffer.from('{"id": 9, "op": "list", "pad": "'), Buffer.alloc(2 * 1024 * 1024, 'x'), Buffer.from('"}\n{"id": 10, "op": "list"}\n')]),
    );
    expect(await c.next('too_large', (l) => l.ok === false && l.error?.code === 'too_large')).toMatchObject({ id: null, error: { exit: 2 } });
    expect(await c.next('the list after it', (l) => l.id === 10)).toMatchObject({ ok: true, result: [expect.objectContaining({ id: 'w', state: 'running' })] });
    expect(c.lines.some((l) => l.id === 9)).toBe(false);
    expect(c.destroyed).toBe(false);
    expect(await c.request('list')).toMatchObject({ ok: true });
    // And other clients were never affected.
    expect(await g.agent('w')).toMatchObject({ state: 'running', supervised: true });
  });

  it('keeps the log of an agent that floods its output bounded, and stays responsive meanwhile', async ({ onTestFinished }) => {
    const CAP = 1_000_000;
    const g = group(onTestFinished, {
      agents: {
        // 50 MB in ten bursts of 5 MB over about three seconds.
        flood: { mode: 'on-demand', command: sh('for i in 1 2 3 4 5 6 7 8 9 10; do yes | head -c 5000000; sleep 0.3; done; echo end'), stop_grace: '1s' },
      },
    });
    await g.up({ AGOR_LOG_MAX_BYTES: String(CAP) });
    const c = await g.connect();
    expect((await g.agor(['wake', 'flood'])).code).toBe(0);
    const run = (await g.waitRuns('flood', 'a run', (rs) => rs.length === 1))[0]!;
    const dir = join(g.dir, 'logs', 'flood');

    const slowest: number[] = [];
    // The rotated copies at any moment; the live log may outgrow the cap between two checks,
    // since the agent writes it directly (so that it outlives a supervisor crash).
    let biggestCopy = 0;
    const finished = (rs: RunView[]) => rs[0]?.outcome != null;
    await waitFor(
      'the flood to end',
      async () => {
        const t0 = Date.now();
        const r = await c.request('list', {}, 5000);
        slowest.push(Date.now() - t0);
        expect(r.ok).toBe(true);
        for (const f of readdirSync(dir)) if (/\.log\.\d+$/.test(f)) biggestCopy = Math.max(biggestCopy, statSync(join(dir, f)).size);
        return g.runs('flood');
      },
      finished,
      { timeout: 20_000, interval: 200 },
    );
    expect(Math.max(...slowest), 'slowest answer to list during the flood, ms').toBeLessThan(1000);

    const files = readdirSync(dir).sort();
    expect(files.every((f) => f.startsWith(run.id))).toBe(true);
    expect(files.filter((f) => !/\.log(\.[12])?$/.test(f))).toEqual([]);
    const sizes = Object.fromEntries(files.map((f) => [f, statSync(join(dir, f)).size]));
    for (const [f, size] of Object.entries(sizes)) expect(size, `${f} (all: ${JSON.stringify(sizes)})`).toBeLessThanOrEqual(2 * CAP);
    expect(biggestCopy, 'largest rotated copy seen during the flood').toBeLessThanOrEqual(2 * CAP);
    expect(existsSync(run.log_path!)).toBe(true);
    expect((await g.runs('flood'))[0]).toMatchObject({ outcome: 'success' });
  });

  it('says where agor.yaml was looked for when there is none (exit 2)', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    refused(await g.agor(['up', '-d'], { cwd: g.dir }), EXIT.USAGE, new RegExp(`no agor\\.yaml in ${escape(g.dir)}`));
    refused(await g.agor(['up', '-d', '-f', join(g.dir, 'missing.yaml')]), EXIT.USAGE, /no .*missing\.yaml\b/);
    refused(await g.agor(['up', '-d', '-f', g.dir]), EXIT.USAGE, /is a directory/);
  });

  it('fails the run, not the supervisor, when the command has gone since start-up', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const script = join(g.dir, 'agent.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o755 });
    g.write({ agents: { job: { mode: 'on-demand', command: [script], restart: { max_retries: 1, backoff: '200ms' }, stop_grace: '1s' } } });
    await g.up();
    rmSync(script);
    expect((await g.agor(['wake', 'job'])).code).toBe(0);
    await g.waitAgent('job', 'failed', (a) => a.state === 'failed');
    const runs = await g.runs('job');
    expect(runs).toHaveLength(2);
    for (const r of runs)
      expect(r).toMatchObject({ outcome: 'failed', error_class: 'unknown', pid: null, note: expect.stringMatching(/^could not start: .*ENOENT/) });
    expect(await g.agent('job')).toMatchObject({ health: 'failed', supervised: true });
  });

  it('treats a repeated --db as a usage matter, never as an internal error', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { w: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
    const r = await g.agor(['ps', '--json', '--db', join(g.dir, 'other.db')]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect([EXIT.OK, EXIT.USAGE]).toContain(r.code);
  });
});
