import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AGOR, AGOR_SH, BTMSG, EXIT, type Group, group, sh, sleep, sql, waitFor } from './fixture.js';
import { recorder, waitSeen } from '../hooks/fixture.js';
import type { BudgetReport } from '../../../src/supervisor/budget-status.js';

/** agor.yaml with top-level keys (timezone, budget, hooks) besides the agents. */
function budgetYaml(top: Record<string, unknown>, agents: Record<string, Record<string, unknown>>): string {
  const withEnv = Object.fromEntries(
    Object.entries(agents).map(([id, a]) => [id, { ...a, env: { T_NODE: process.execPath, T_AGOR: AGOR, T_BTMSG: BTMSG, ...((a.env as object) ?? {}) } }]),
  );
  return stringify({ group: 'test', ...top, agents: withEnv }, { aliasDuplicateObjects: false });
}

/** The supervisor's clock for every process of a test: `iso` now, running at real speed (clock.ts). */
const clockAt = (iso: string) => ({ AGOR_CLOCK: `${iso}@${Date.now()}` });

const budgetOf = (g: Group, clock: Record<string, string>) => g.ok<BudgetReport>(['budget', '-f', g.file], { env: clock });
const pendingWakes = (g: Group, agent: string) => g.wakes(agent).filter((w) => w.run_id === null);
const alerts = (db: string) =>
  sql(db, (d) => d.prepare('SELECT budget, reset_at FROM budget_alerts ORDER BY exceeded_at').all() as { budget: string; reset_at: number | null }[]);

describe.concurrent('agor budgets', () => {
  it('holds an agent whose daily budget is spent: its wake waits, ps and agor budget say so, the budget hook fires once, and at local midnight the wake runs', async ({
    onTestFinished,
  }) => {
    const g = group(onTestFinished);
    const r = recorder(g);
    g.write(
      budgetYaml(
        { timezone: 'Europe/Berlin', hooks: { budget: r.argv } },
        {
          spender: {
            mode: 'on-demand',
            stop_grace: '1s',
            // Spends on its first run only, so the run after midnight does not spend the new day's budget as well.
            command: sh(
              `[ -e spent.flag ] || { ${AGOR_SH} report --cost 1.50 --tokens-in 100 && ${AGOR_SH} report --cost 2.75 --tokens-in 150 --tokens-out 50 && touch spent.flag; }; echo spent`,
            ),
            budget: { daily: 2.5, monthly: 50 },
          },
        },
      ),
    );
    // Noon in Berlin (UTC+1 in January).
    const noon = clockAt('2026-01-20T11:00:00Z');
    await g.up(noon);
    expect((await g.agor(['wake', 'spender'], { env: noon })).code).toBe(0);
    await g.waitRuns('spender', 'the first run to end', (rs) => rs.length === 1 && rs[0]!.outcome === 'success');

    const seen = await waitSeen('the budget hook', r.seen, (s) => s.length === 1);
    expect(seen[0]!.stdin).toMatchObject({
      event: 'budget',
      agent: 'spender',
      status: 'exceeded',
      scope: 'agent',
      period: 'daily',
      kind: 'cost',
      spent: 2.75,
      limit: 2.5,
      currency: 'USD',
    });
    expect(seen[0]!.env.AGOR_AGENT).toBe('spender');

    // A new wake is recorded but starts nothing while the budget is spent.
    expect((await g.agor(['wake', 'spender'], { env: noon })).code).toBe(0);
    await waitFor(
      'the wake to be queued',
      () => pendingWakes(g, 'spender').length,
      (n) => n === 1,
    );
    const held = await g.waitAgent('spender', 'the budget to show in ps', (a) => a.budget?.status === 'spent');
    expect(held).toMatchObject({ attention: 85, attention_reason: 'budget spent', pending_wakes: 1, state: 'dormant' });
    expect(held.budget).toMatchObject({
      scope: 'agent',
      period: 'daily',
      kind: 'cost',
      spent: 2.75,
      limit: 2.5,
      percent: 110,
      resets_at: '2026-01-20T23:00:00.000Z',
    });
    await sleep(1500);
    expect(await g.runs('spender')).toHaveLength(1);
    expect(pendingWakes(g, 'spender')).toHaveLength(1);

    const human = await g.agor(['ps']);
    expect(human.stdout).toContain('spender: daily budget spent (2.75/2.50 USD), resets 2026-01-20T23:00:00.000Z');
    const b = await budgetOf(g, noon);
    expect(b.timezone).toBe('Europe/Berlin');
    expect(b.agents[0]).toMatchObject({ agent: 'spender', today: { cost: 2.75, tokens: 200 }, month: { cost: 2.75, tokens: 200 }, status: 'spent' });
    expect(b.agents[0]!.budgets.map((l) => [l.period, l.status, l.remaining, l.resets_at])).toEqual([
      ['daily', 'spent', 0, '2026-01-20T23:00:00.000Z'],
      ['monthly', 'ok', 47.25, '2026-01-31T23:00:00.000Z'],
    ]);
    const table = (await g.agor(['budget', '-f', g.file], { env: noon })).stdout;
    expect(table).toMatch(/spender\s+daily\s+cost\s+2\.75 USD\s+2\.50 USD\s+0\.00 USD\s+110%\s+spent\s+wait\s+2026-01-21 00:00/);

    // A supervisor started later in the same day holds the agent too, and does not announce the budget again.
    expect((await g.down()).code).toBe(0);
    const late = clockAt('2026-01-20T22:59:56Z');
    await g.up(late);
    await sleep(1000);
    expect(await g.runs('spender')).toHaveLength(1);
    expect(pendingWakes(g, 'spender')).toHaveLength(1);

    // Midnight in Berlin: the budget resets, the hook is not run for a reset, and the waiting wake runs.
    const rs = await g.waitRuns('spender', 'the held wake to run after midnight', (x) => x.length === 2, 20_000);
    expect(Date.parse(rs[1]!.started_at)).toBeGreaterThanOrEqual(Date.parse('2026-01-20T23:00:00Z'));
    expect(alerts(g.db)).toEqual([{ budget: 'agent:spender:daily:cost', reset_at: expect.any(Number) }]);
    const audit = sql(g.db, (d) => d.prepare(`SELECT event_type FROM audit_log WHERE event_type LIKE 'budget_%' ORDER BY id`).all() as { event_type: string }[]);
    expect(audit.map((a) => a.event_type)).toEqual(['budget_exceeded', 'budget_reset']);
    expect(r.seen()).toHaveLength(1);
  });

  it('stops a running run when its budget says on_exceed: stop, records why, and does not restart the service', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    g.write(
      budgetYaml(
        { timezone: 'UTC', budget: { daily: 100, tokens: { daily: 1000 }, on_exceed: 'stop' } },
        {
          burner: {
            stop_grace: '1s',
            command: sh(`i=0; while :; do i=$((i+300)); ${AGOR_SH} report --tokens-out $i; sleep 0.3; done`),
          },
          idle: { command: sh('sleep 1000'), stop_grace: '1s' },
        },
      ),
    );
    const clock = clockAt('2026-05-04T10:00:00Z');
    await g.up(clock);
    const rs = await g.waitRuns('burner', 'the run to be stopped', (x) => x.length === 1 && x[0]!.outcome !== null, 20_000);
    expect(rs[0]).toMatchObject({ outcome: 'cancelled', note: 'stopped: its budget is spent (on_exceed: stop)' });
    // The group's budget is everyone's: the other service is stopped as well, and neither comes back.
    await g.waitRuns('idle', 'the other run to be stopped', (x) => x.length === 1 && x[0]!.outcome === 'cancelled');
    await sleep(1500);
    const ps = await g.ps();
    for (const a of ps) {
      expect(a).toMatchObject({ state: 'inactive', pid: null, attention_reason: 'budget spent' });
      expect(a.budget).toMatchObject({ status: 'spent', scope: 'group', kind: 'tokens', limit: 1000 });
    }
    expect(await g.runs('burner')).toHaveLength(1);
    const b = await budgetOf(g, clock);
    expect(b.group.status).toBe('spent');
    expect(b.group.today.tokens).toBeGreaterThanOrEqual(1000);
  });

  it('does not restart a service that ended on a spent token budget, and starts it at the next local midnight', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    g.write(
      budgetYaml(
        { timezone: 'America/New_York' },
        { svc: { stop_grace: '1s', command: sh(`${AGOR_SH} report --tokens-out 200 && echo reported`), budget: { tokens: { daily: 150 } } } },
      ),
    );
    // 13:00 in New York (UTC-5 in February).
    await g.up(clockAt('2026-02-10T18:00:00Z'));
    await g.waitAgent('svc', 'the service to be held', (a) => a.budget?.status === 'spent' && a.pid === null && a.attention_reason === 'budget spent');
    await sleep(2500);
    expect(await g.runs('svc')).toHaveLength(1);
    expect((await g.agent('svc')).state).toBe('inactive');
    expect((await g.down()).code).toBe(0);

    // Seconds before midnight in New York, a new supervisor holds it too; at midnight it starts.
    await g.up(clockAt('2026-02-11T04:59:57Z'));
    const rs = await g.waitRuns('svc', 'the service to start after midnight', (x) => x.length >= 2, 20_000);
    expect(Date.parse(rs[1]!.started_at)).toBeGreaterThanOrEqual(Date.parse('2026-02-11T05:00:00Z'));
  });

  it('refuses a bad budget at agor up with file, line and key, and starts nothing', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    g.write(`group: test\nbudget:\n  daily: 5\n  currency: EUR\nagents:\n  a:\n    command: [sh, -c, "sleep 100"]\n`);
    const r = await g.agor(['up', '-d', '-f', g.file]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('agor.yaml:4: budget.currency: must be USD');
    const b = await g.agor(['budget', '-f', g.file]);
    expect(b.code).toBe(EXIT.USAGE);
  });
});
