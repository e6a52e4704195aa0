/** The spending ledger (what agents report, when) and the budgets spent in each period. */
import { type Db, stmt } from './open.js';

export interface SpendRow {
  run_id: string;
  agent: string;
  at: number;
  cost_usd: number;
  tokens: number;
}

/** Charges an increase of a run's reported cost or tokens at `at`. */
export const recordSpend = (db: Db, r: SpendRow) =>
  stmt(db, 'INSERT INTO spend (run_id, agent, at, cost_usd, tokens) VALUES (@run_id, @agent, @at, @cost_usd, @tokens)').run(r);

export interface AgentSpend {
  agent: string;
  day_cost: number;
  month_cost: number;
  day_tokens: number;
  month_tokens: number;
}

/** Each agent's spending since `dayFrom` and since `monthFrom` (a day never starts before its month). */
export const spendByAgent = (db: Db, monthFrom: number, dayFrom: number) =>
  stmt<AgentSpend>(
    db,
    `SELECT agent, total(CASE WHEN at >= @d THEN cost_usd END) AS day_cost, total(cost_usd) AS month_cost,
       total(CASE WHEN at >= @d THEN tokens END) AS day_tokens, total(tokens) AS month_tokens
     FROM spend WHERE at >= @m GROUP BY agent ORDER BY agent`,
  ).all({ m: monthFrom, d: dayFrom });

/** Drops ledger entries older than `before` (past any month a budget still counts). */
export const pruneSpend = (db: Db, before: number) => stmt(db, 'DELETE FROM spend WHERE at < ?').run(before).changes;

export interface BudgetAlertRow {
  budget: string;
  period_start: number;
  agent: string;
  spent: number;
  budget_limit: number;
  exceeded_at: number;
  reset_at: number | null;
}

/** Records budget `budget` spent in the period that began at `period_start`; false when it already was. */
export const insertBudgetAlert = (db: Db, r: Omit<BudgetAlertRow, 'reset_at'>): boolean =>
  stmt(
    db,
    'INSERT OR IGNORE INTO budget_alerts (budget, period_start, agent, spent, budget_limit, exceeded_at) VALUES (@budget, @period_start, @agent, @spent, @budget_limit, @exceeded_at)',
  ).run(r).changes === 1;

/** Budgets spent whose reset has not been announced yet. */
export const openBudgetAlerts = (db: Db) => stmt<BudgetAlertRow>(db, 'SELECT * FROM budget_alerts WHERE reset_at IS NULL ORDER BY exceeded_at').all();

/** Marks a spent budget reset; false when it already was. */
export const resetBudgetAlert = (db: Db, budget: string, periodStart: number, at: number): boolean =>
  stmt(db, 'UPDATE budget_alerts SET reset_at = ? WHERE budget = ? AND period_start = ? AND reset_at IS NULL').run(at, budget, periodStart).changes === 1;
