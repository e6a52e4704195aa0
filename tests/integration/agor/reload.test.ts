import { describe, expect, it } from 'vitest';
import { EXIT, type GroupSpec, alive, group, sh, sql, waitFor, waitGone } from './fixture.js';

const SLEEPER = sh('echo "up with FOO=$FOO"; exec sleep 1000');

const TWO: GroupSpec = {
  agents: {
    alpha: { command: SLEEPER, stop_grace: '2s' },
    beta: { command: SLEEPER, stop_grace: '2s' },
  },
};

const with_ = (base: GroupSpec, agents: GroupSpec['agents']): GroupSpec => ({ ...base, agents: { ...base.agents, ...agents } });

/** The pids of the agents as agor ps shows them, once every one of `ids` runs. */
async function pidsOf(g: ReturnType<typeof group>, ids: string[]): Promise<Record<string, number>> {
  const ps = await waitFor(
    `${ids.join(', ')} to run`,
    () => g.ps(),
    (vs) => ids.every((id) => vs.some((v) => v.id === id && v.pid !== null && v.state !== 'inactive')),
    { timeout: 15_000, interval: 150 },
  );
  return Object.fromEntries(ps.filter((v) => v.pid !== null).map((v) => [v.id, v.pid!]));
}

describe.concurrent('agor reload', () => {
  it('prints the plan with --dry-run and changes nothing, then adds the new agent and leaves the others running with the same pid', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    const before = await pidsOf(g, ['alpha', 'beta']);
    g.write(with_(TWO, { gamma: { command: SLEEPER } }));

    const dry = await g.agor(['reload', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    expect(dry.stdout).toContain('(nothing changed: --dry-run)');
    expect(dry.stdout).toContain('add gamma: new in agor.yaml');
    expect(dry.stdout).toContain('2 agents unchanged');
    const dryJson = await g.ok<{ dry_run: boolean; added: string[]; agents: { agent: string; kind: string }[] }>(['reload', '--dry-run']);
    expect(dryJson).toMatchObject({ dry_run: true, added: ['gamma'], removed: [], restarted: [], updated: [] });
    expect((await g.ps()).map((v) => v.id)).toEqual(['alpha', 'beta']);

    const events = await g.connect();
    await events.request('subscribe');
    const r = await g.ok<{ dry_run: boolean; added: string[]; errors: string[] }>(['reload']);
    expect(r).toMatchObject({ dry_run: false, added: ['gamma'], errors: [] });
    const after = await pidsOf(g, ['alpha', 'beta', 'gamma']);
    expect(after.alpha).toBe(before.alpha);
    expect(after.beta).toBe(before.beta);
    // The dashboard and the relay hear of it on the socket; the audit log keeps it.
    const ev = await events.next('the reload event', (l) => l.event === 'reload');
    expect(ev).toMatchObject({ status: 'applied', added: ['gamma'], removed: [], restarted: [], updated: [], error: null });
    const audited = sql(g.db, (db) => db.prepare("SELECT detail FROM audit_log WHERE event_type = 'config_reloaded'").all() as { detail: string }[]);
    expect(audited).toHaveLength(1);
    expect(JSON.parse(audited[0]!.detail)).toMatchObject({ by: 'agor reload', added: ['gamma'] });
  });

  it('stops a removed agent, drops it from agor ps and keeps its runs', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    const before = await pidsOf(g, ['alpha', 'beta']);
    g.write({ agents: { alpha: TWO.agents.alpha! } });

    const r = await g.ok<{ removed: string[] }>(['reload']);
    expect(r.removed).toEqual(['beta']);
    await waitGone(before.beta!, 'the removed agent');
    expect((await g.ps()).map((v) => v.id)).toEqual(['alpha']);
    expect((await g.agent('alpha')).pid).toBe(before.alpha);
    const runs = await g.waitRuns('beta', 'its run closed', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    expect(runs[0]).toMatchObject({ outcome: 'cancelled' });
    // Messages no longer wake it: it is not managed any more.
    const managed = sql(g.db, (db) => db.prepare("SELECT managed FROM agents WHERE id = 'beta'").get() as { managed: number });
    expect(managed.managed).toBe(0);
  });

  it('restarts only the agent whose env changed, which then runs with the new value; the other keeps its pid', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    const before = await pidsOf(g, ['alpha', 'beta']);
    g.write(with_(TWO, { alpha: { ...TWO.agents.alpha!, env: { FOO: 'new' } } }));

    const dry = await g.agor(['reload', '--dry-run']);
    expect(dry.stdout).toContain('restart alpha: env.FOO changed');
    const r = await g.ok<{ restarted: string[]; updated: string[] }>(['reload']);
    expect(r).toMatchObject({ restarted: ['alpha'], updated: [] });
    const a = await g.waitAgent('alpha', 'running again with a new pid', (v) => v.pid !== null && v.pid !== before.alpha, 15_000);
    expect(alive(before.alpha!)).toBe(false);
    expect((await g.agent('beta')).pid).toBe(before.beta);
    const runs = await g.waitRuns('alpha', 'two runs', (rs) => rs.length === 2);
    await waitFor(
      'the new run to say its FOO',
      () => g.logOf(runs[1]!),
      (t) => t.includes('up with FOO=new'),
    );
    expect(a.restarts).toBe(1);
  });

  it('applies a new stall_after and schedule in place: the same pid, the new value in agor ps', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    const before = await pidsOf(g, ['alpha', 'beta']);
    expect((await g.agent('alpha')).stall_after_s).toBe(900);
    g.write(with_(TWO, { alpha: { ...TWO.agents.alpha!, stall_after: '42s', schedules: [{ cron: '0 9 * * *', tz: 'UTC' }] } }));

    const r = await g.ok<{ updated: string[]; restarted: string[]; agents: { agent: string; changes: string[] }[] }>(['reload']);
    expect(r).toMatchObject({ updated: ['alpha'], restarted: [] });
    expect(r.agents.find((x) => x.agent === 'alpha')!.changes.sort()).toEqual(['schedules', 'stall_after']);
    const alpha = await g.agent('alpha');
    expect(alpha).toMatchObject({ pid: before.alpha, stall_after_s: 42 });
    expect((await g.agent('beta')).pid).toBe(before.beta);
  });

  it.for([
    ['a YAML error', (t: string) => t.replace('agents:', 'agents: ['), /agor\.yaml:\d+: .*not valid YAML/],
    ['an unknown key', (t: string) => t.replace('stop_grace: 2s', 'stop_grace: 2s\n    colour: blue'), /agor\.yaml:\d+: agents\.alpha\.colour/],
  ] as const)('refuses a file with %s with exit 2, file and line, and changes nothing', async ([, spoil, message], { onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    const before = await pidsOf(g, ['alpha', 'beta']);
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(g.file, spoil(readFileSync(g.file, 'utf8')));

    const r = await g.agor(['reload']);
    expect(r.code, r.stdout).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(message);
    const after = await pidsOf(g, ['alpha', 'beta']);
    expect(after).toEqual(before);
    const refused = sql(g.db, (db) => db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE event_type = 'config_reload_refused'").get() as { n: number });
    expect(refused.n).toBe(1);
  });

  it('reloads on SIGHUP and keeps running; a bad file on SIGHUP is logged and changes nothing', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    const sup = await g.up();
    const before = await pidsOf(g, ['alpha', 'beta']);
    g.write(with_(TWO, { gamma: { command: SLEEPER } }));

    process.kill(sup.pid, 'SIGHUP');
    const after = await pidsOf(g, ['alpha', 'beta', 'gamma']);
    expect([after.alpha, after.beta]).toEqual([before.alpha, before.beta]);
    expect(alive(sup.pid)).toBe(true);

    g.write('group: test\nagents: [\n');
    process.kill(sup.pid, 'SIGHUP');
    const { readFileSync } = await import('node:fs');
    await waitFor(
      'the refusal in the supervisor log',
      () => readFileSync(sup.log, 'utf8'),
      (t) => /reload refused: .*agor\.yaml:\d+/.test(t),
    );
    expect(alive(sup.pid)).toBe(true);
    expect(await pidsOf(g, ['alpha', 'beta', 'gamma'])).toEqual(after);
  });

  it('leaves a stopped agent stopped when a restart change reaches it; the new settings wait for its next start', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    await pidsOf(g, ['alpha', 'beta']);
    expect((await g.agor(['stop', 'alpha'])).code).toBe(EXIT.OK);
    g.write(with_(TWO, { alpha: { ...TWO.agents.alpha!, env: { FOO: 'later' } } }));

    const dry = await g.agor(['reload', '--dry-run']);
    expect(dry.stdout).toContain('restart alpha: env.FOO changed (not running: in force at its next start)');
    await g.ok(['reload']);
    expect(await g.agent('alpha')).toMatchObject({ state: 'inactive', pid: null });
    expect(await g.runs('alpha')).toHaveLength(1);
    expect((await g.agor(['start', 'alpha'])).code).toBe(EXIT.OK);
    const runs = await g.waitRuns('alpha', 'a second run', (rs) => rs.length === 2);
    await waitFor(
      'the new run to say its FOO',
      () => g.logOf(runs[1]!),
      (t) => t.includes('up with FOO=later'),
    );
  });

  it('rests a service made on-demand (dormant, no new run) and starts an on-demand agent made a service', async ({ onTestFinished }) => {
    const g = group(onTestFinished, with_(TWO, { beta: { ...TWO.agents.beta!, mode: 'on-demand' } }));
    await g.up();
    const before = await pidsOf(g, ['alpha']);
    expect((await g.agent('beta')).state).toBe('dormant');
    g.write(with_(TWO, { alpha: { ...TWO.agents.alpha!, mode: 'on-demand' } }));

    const r = await g.ok<{ restarted: string[] }>(['reload']);
    expect(r.restarted.sort()).toEqual(['alpha', 'beta']);
    await waitGone(before.alpha!, 'the service made on-demand');
    await g.waitAgent('alpha', 'dormant', (a) => a.state === 'dormant' && a.pid === null);
    await g.waitAgent('beta', 'running as a service', (a) => a.mode === 'service' && a.pid !== null);
    expect(await g.runs('alpha')).toHaveLength(1);
  });

  it('applies two reloads asked for at once one after the other: the agent is added once', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    const before = await pidsOf(g, ['alpha', 'beta']);
    g.write(with_(TWO, { gamma: { command: SLEEPER } }));

    const [a, b] = await Promise.all([g.ok<{ added: string[] }>(['reload']), g.ok<{ added: string[] }>(['reload'])]);
    expect([a.added, b.added].sort()).toEqual([[], ['gamma']]);
    const after = await pidsOf(g, ['alpha', 'beta', 'gamma']);
    expect([after.alpha, after.beta]).toEqual([before.alpha, before.beta]);
    expect(await g.runs('gamma')).toHaveLength(1);
  });

  it('refuses a change of group and says to stop and start instead', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    await g.up();
    g.write({ ...TWO, group: 'other' });
    const r = await g.agor(['reload', '--dry-run']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain("group: changed from 'test' to 'other'");
  });

  it('without a supervisor, checks the file and exits 3 with a hint to start one', async ({ onTestFinished }) => {
    const g = group(onTestFinished, TWO);
    const r = await g.agor(['reload', '-f', g.file]);
    expect(r.code).toBe(EXIT.NOT_FOUND);
    expect(r.stderr).toContain('no supervisor is running');
    expect(r.stderr).toContain('is valid');
    expect(r.stderr).toContain('agor up -d');
    g.write('group: test\nagents: [\n');
    const bad = await g.agor(['reload', '-f', g.file]);
    expect(bad.code).toBe(EXIT.USAGE);
  });
});
