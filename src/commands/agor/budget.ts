import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import type { BudgetLine, BudgetReport, Spending } from '../../supervisor/budget-status.js';
import { type FileArgs, type Verb, fileOption, openFor } from './shared.js';

const money = (n: number) => `${n.toFixed(2)}`;

/** "2026-03-30 00:00" in the group's time zone. */
function local(iso: string, tz: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const amount = (l: BudgetLine, n: number) => (l.kind === 'cost' ? `${money(n)} ${l.currency ?? 'USD'}` : `${n} tok`);

/** `agor budget` as tables: spending per agent and the group, then each budget against its limit. */
export function budgetLines(r: BudgetReport & { file: string }): string[] {
  const c = color();
  const paint = (s: string) => (s === 'spent' ? c.red.bold(s) : s === 'near' ? c.yellow(s) : s);
  const row = (name: string, s: Spending) => [name, money(s.today.cost), money(s.month.cost), String(s.today.tokens), String(s.month.tokens)];
  const out = table([
    ['AGENT', 'TODAY USD', 'MONTH USD', 'TOKENS TODAY', 'TOKENS MONTH'].map((h) => c.bold(h)),
    ...r.agents.map((a) => row(a.agent, a)),
    row('(group)', r.group),
  ]);
  const all = [...r.agents.flatMap((a) => a.budgets), ...r.group.budgets];
  out.push('');
  if (!all.length) {
    out.push(c.dim(`no budgets in ${r.file} (budget: under the group or an agent, see man agor.yaml)`));
    return out;
  }
  out.push(
    ...table([
      ['BUDGET', 'PERIOD', 'KIND', 'SPENT', 'LIMIT', 'LEFT', 'USE', 'STATUS', 'ON EXCEED', `RESETS (${r.timezone})`].map((h) => c.bold(h)),
      ...all.map((l) => [
        l.agent ?? '(group)',
        l.period,
        l.kind,
        amount(l, l.spent),
        amount(l, l.limit),
        amount(l, l.remaining),
        `${l.percent}%`,
        paint(l.status),
        l.on_exceed,
        local(l.resets_at, r.timezone),
      ]),
    ]),
  );
  return out;
}

export const budget: Verb<FileArgs> = {
  command: 'budget',
  describe: "Spending today and this month against the group's and each agent's budgets (no supervisor needed)",
  builder: (y) => fileOption(y),
  handler: async (argv) => {
    const { listBudgets } = await import('../../supervisor/budget-status.js');
    const { db } = await openFor(argv);
    let r;
    try {
      r = listBudgets(db, { file: argv.file });
    } finally {
      db.close();
    }
    emit(argv.json, r, budgetLines);
  },
};
