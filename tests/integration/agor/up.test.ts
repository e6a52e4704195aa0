import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAsync } from '../../helpers/cli.js';
import { type Detached, EXIT, alive, group, groupMembers, refused, sh, waitFor, waitGone, waitGroupGone } from './fixture.js';

const SLEEPER = { command: sh('echo up; exec sleep 300'), stop_grace: '1s' };

describe.concurrent('agor up and down', () => {
  it('up -d returns once the supervisor is ready and says where it is; down stops it and every agent', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { a: SLEEPER, b: SLEEPER } });
    const r = await g.agor(['up', '-d', '-f', g.file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Detached;
    expect(d).toEqual({ pid: expect.any(Number), group: 'test', config: g.file, socket: g.socket, log: `${g.db}.supervisor.log` });
    expect(alive(d.pid)).toBe(true);
    expect(existsSync(g.socket)).toBe(true);
    const ps = await waitFor(
      'both agents running',
      () => g.ps(),
      (as) => as.length === 2 && as.every((a) => a.state === 'running' && a.pid !== null),
    );
    expect(readFileSync(d.log, 'utf8')).toMatch(new RegExp(`supervisor ready \\(pid ${d.pid}\\)`));

    const down = await g.down();
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toBe(`agor: stopped the supervisor (pid ${d.pid}) and 2 running agents\n`);
    expect(alive(d.pid)).toBe(false);
    for (const a of ps) expect(groupMembers(a.pid!)).toEqual([]);
    expect(existsSync(g.socket)).toBe(false);
    expect((await g.runs()).map((x) => x.outcome)).toEqual(['cancelled', 'cancelled']);
    expect((await g.ps()).map((a) => [a.id, a.state, a.supervised])).toEqual([
      ['a', 'inactive', false],
      ['b', 'inactive', false],
    ]);
    expect((await g.down()).stdout).toBe('agor: no supervisor is running\n');
  });

  it('up -d rotates its log when it has grown past the limit, keeping the old one as .1', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { a: SLEEPER } });
    const log = `${g.db}.supervisor.log`;
    const old = 'an old line\n'.repeat(125); // 1500 bytes: past the limit, not a flood
    writeFileSync(log, old);
    const d = await g.up({ AGOR_LOG_MAX_BYTES: '1000' });
    expect(d.log).toBe(log);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe(old);
    const now = readFileSync(log, 'utf8');
    expect(now).toMatch(new RegExp(`supervisor ready \\(pid ${d.pid}\\)`));
    expect(now).not.toContain('an old line');
  });

  it('in the foreground with --json prints its events as JSON lines, and SIGTERM stops everything with exit 0', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { a: SLEEPER } });
    const fg = g.foreground(['--json']);
    await fg.waitLine('the ready event', (l) => l.includes('"status":"ready"'));
    const events = () => fg.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const start = await waitFor(
      'run_start',
      () => events().find((e) => e.event === 'run_start'),
      (e) => e !== undefined,
    );
    expect(start).toMatchObject({ agent: 'a', pid: expect.any(Number), incarnation: 1, wake_reason: 'start' });
    const pid = start!.pid as number;

    fg.child.kill('SIGTERM');
    expect(await fg.exited).toEqual({ code: 0, signal: null });
    expect(fg.stderr()).toBe('');
    expect(groupMembers(pid)).toEqual([]);
    const all = events();
    expect(all.find((e) => e.event === 'run_end')).toMatchObject({ agent: 'a', outcome: 'cancelled', signal: 'SIGTERM' });
    expect(all.at(-1)).toMatchObject({ event: 'state', agent: 'a', state: 'inactive' });
    expect(all.some((e) => e.event === 'supervisor' && e.status === 'stopping')).toBe(true);
    // The lock is released: a new supervisor starts on the same file.
    await g.up();
  });

  it('with --headless prints one timestamped line per event, and SIGINT stops it with exit 0', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { a: SLEEPER } });
    const fg = g.foreground(['--headless']);
    const ready = await fg.waitLine('the ready line', (l) => l.includes('supervisor ready'));
    expect(ready).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z supervisor ready \\(pid ${fg.child.pid}\\)$`));
    const started = await fg.waitLine('the run start', (l) => / a: run [0-9a-f]{8} started \(pid \d+, #1, start\)$/.test(l));
    const pid = Number(/\(pid (\d+)/.exec(started)![1]);
    fg.child.kill('SIGINT');
    expect(await fg.exited).toEqual({ code: 0, signal: null });
    await waitGroupGone(pid, 'a', 500);
    expect(fg.lines.some((l) => / a: run [0-9a-f]{8} ended: cancelled, SIGTERM$/.test(l))).toBe(true);
  });
});

describe.concurrent('agor up and signals', () => {
  it('stops cleanly on a SIGTERM sent the moment it says it is ready, leaving no agent behind', async ({ onTestFinished }) => {
    // Ten times, each on a new database, as a service manager that stops what it has just seen start.
    for (let i = 0; i < 10; i++) {
      const g = group(onTestFinished, { agents: { a: SLEEPER } });
      const fg = g.foreground(['--headless']);
      await fg.waitLine('the ready line', (l) => l.includes('supervisor ready'));
      fg.child.kill('SIGTERM');
      expect({ i, exit: await fg.exited }).toEqual({ i, exit: { code: 0, signal: null } });
      const last = (await g.runs('a')).at(-1)!;
      expect({ i, outcome: last.outcome }).toEqual({ i, outcome: 'cancelled' });
      expect(groupMembers(last.pid!)).toEqual([]);
    }
  });
});

describe.concurrent('agor up with a long database path', () => {
  it('puts the control socket in the runtime directory when the path beside the database is too long for a Unix socket', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { a: SLEEPER } });
    const deep = join(g.dir, 'a-directory-with-a-rather-long-name-for-testing', 'and-another-one-below-it-to-pass-the-limit');
    mkdirSync(deep, { recursive: true });
    const db = join(deep, 'agor.db');
    expect(Buffer.byteLength(`${db}.sock`)).toBeGreaterThan(107);
    // Not g.agor, which names the group's own database.
    const agor = (args: string[]) => runAsync('agor', [...args, '--db', db], { timeout: 30_000 });
    const up = await agor(['up', '-d', '-f', g.file, '--json']);
    expect(up.code, up.stderr).toBe(0);
    const d = JSON.parse(up.stdout) as Detached;
    expect(Buffer.byteLength(d.socket)).toBeLessThanOrEqual(107);
    expect(existsSync(d.socket)).toBe(true);
    const ps = await agor(['ps', '--json']);
    expect(JSON.parse(ps.stdout)).toEqual([expect.objectContaining({ id: 'a', state: 'running', supervised: true })]);
    const down = await agor(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(existsSync(d.socket)).toBe(false);
  });
});

describe.concurrent('agor init', () => {
  it('writes an agor.yaml that agor up accepts as it stands, and will not overwrite it without --force', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const w = await g.agor(['init'], { cwd: g.dir });
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toBe(`wrote ${g.file}\nnext: edit it, then start the group with: agor up -d\n`);
    const text = readFileSync(g.file, 'utf8');

    // Found in the working directory, no -f needed.
    const up = await g.agor(['up', '-d', '--json'], { cwd: g.dir });
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ config: g.file });
    const ps = await g.ps();
    expect(ps.length).toBeGreaterThan(0);
    expect(ps.every((a) => a.supervised && a.health === 'healthy')).toBe(true);
    const down = await g.down();
    expect(down.code, down.stderr).toBe(0);
    await waitGone(JSON.parse(up.stdout).pid, 'the supervisor');

    refused(await g.agor(['init'], { cwd: g.dir }), EXIT.CONFLICT, new RegExp(`${g.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already exists`));
    expect(readFileSync(g.file, 'utf8')).toBe(text);
    const f = await g.agor(['init', '-f', join(g.dir, 'other.yaml')], { cwd: g.dir });
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(join(g.dir, 'other.yaml'), 'utf8')).toBe(text);
    const forced = await g.agor(['init', '--force'], { cwd: g.dir });
    expect(forced.code, forced.stderr).toBe(0);
  });
});
