import { describe, expect, it } from 'vitest';
import { addAgents, addRun, freshDb } from '../../helpers/db.js';
import { reportForRun } from '../../../src/supervisor/report.js';
import { agentBudget, readBudgets } from '../../../src/supervisor/budget-status.js';
import { parseConfig } from '../../../src/supervisor/config.js';

const config = parseConfig(
  'group: g\ntimezone: Europe/Berlin\nbudget: { daily: 10, tokens: { monthly: 1000 } }\nagents:\n  w1:\n    command: [sh]\n    budget: { daily: 2 }\n  w2:\n    command: [sh]\n',
  '/tmp/agor.yaml',
);
const at = (s: string) => Date.parse(s);

describe('the spending ledger behind budgets', () => {
  const t = freshDb();

  it('charges a run that reports across local midnight to each day what it spent that day', () => {
    addAgents(t.db, ['w1', 'w2']);
    addRun(t.db, 'r1', 'w1', at('2026-01-20T22:30:00Z'));
    // 23:40 and 23:55 in Berlin, then 00:10 the next day: cumulative figures.
    reportForRun(t.db, 'r1', { cost: '0.50', tokensIn: '100' }, undefined, at('2026-01-20T22:40:00Z'));
    reportForRun(t.db, 'r1', { cost: '1.25', tokensOut: '40' }, undefined, at('2026-01-20T22:55:00Z'));
    const before = readBudgets(t.db, config, at('2026-01-20T22:59:00Z'));
    expect(before.agents[0]).toMatchObject({ agent: 'w1', today: { cost: 1.25, tokens: 140 } });
    reportForRun(t.db, 'r1', { cost: '1.75', tokensIn: '300' }, undefined, at('2026-01-20T23:10:00Z'));
    const after = readBudgets(t.db, config, at('2026-01-20T23:30:00Z'));
    expect(after.agents[0]).toMatchObject({ agent: 'w1', today: { cost: 0.5, tokens: 200 }, month: { cost: 1.75, tokens: 340 } });
    expect(after.agents[0]!.budgets[0]).toMatchObject({ key: 'agent:w1:daily:cost', spent: 0.5, limit: 2, remaining: 1.5, percent: 25, status: 'ok' });
  });

  it('charges nothing for a figure reported lower than before, and counts every agent in the group’s budget', () => {
    addAgents(t.db, ['w1', 'w2']);
    addRun(t.db, 'r1', 'w1', at('2026-02-03T09:00:00Z'));
    addRun(t.db, 'r2', 'w2', at('2026-02-03T09:00:00Z'));
    const now = at('2026-02-03T10:00:00Z');
    reportForRun(t.db, 'r1', { cost: '1.80', tokensIn: '500' }, undefined, now);
    reportForRun(t.db, 'r1', { cost: '1.00' }, undefined, now);
    reportForRun(t.db, 'r2', { tokensOut: '350' }, undefined, now);
    const r = readBudgets(t.db, config, now);
    expect(r.group).toMatchObject({ today: { cost: 1.8, tokens: 850 }, status: 'near' });
    expect(r.group.budgets.map((l) => [l.key, l.status, l.percent])).toEqual([
      ['group:daily:cost', 'ok', 18],
      ['group:monthly:tokens', 'near', 85],
    ]);
    // w1's own daily budget (90%) is closer to its limit than the group's; w2 has only the group's.
    expect(agentBudget(r, 'w1')).toMatchObject({ status: 'near', scope: 'agent', percent: 90 });
    expect(agentBudget(r, 'w2')).toMatchObject({ status: 'near', scope: 'group', kind: 'tokens', resets_at: '2026-02-28T23:00:00.000Z' });
  });
});
