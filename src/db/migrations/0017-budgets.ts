import type { Migration } from './index.js';

/**
 * Budgets. `spend` is a ledger of what agents report: each `agor report` that raises a
 * run's cumulative cost or tokens adds the increase, stamped with when it was reported,
 * so a run that reports across midnight is charged to each day what it spent that day,
 * and the ledger outlives the pruning of old runs (a month's budget needs the whole
 * month). `budget_alerts` holds each budget spent in a period, once, and when it reset,
 * so the supervisor announces each exactly once across restarts. Times are Unix ms.
 * Spending reported before this version is carried over, charged at each run's start.
 */
export const budgets: Migration = {
  version: 17,
  name: 'budgets',
  up: `
    CREATE TABLE IF NOT EXISTS spend (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      run_id TEXT NOT NULL,
      agent TEXT NOT NULL,
      at INTEGER NOT NULL,
      cost_usd REAL NOT NULL DEFAULT 0,
      tokens INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS spend_at ON spend (at, agent);
    INSERT INTO spend (run_id, agent, at, cost_usd, tokens)
      SELECT id, agent, started_at, coalesce(cost_usd, 0), coalesce(tokens_in, 0) + coalesce(tokens_out, 0) FROM runs
      WHERE coalesce(cost_usd, 0) > 0 OR coalesce(tokens_in, 0) + coalesce(tokens_out, 0) > 0;
    CREATE TABLE IF NOT EXISTS budget_alerts (
      budget TEXT NOT NULL,
      period_start INTEGER NOT NULL,
      agent TEXT NOT NULL,
      spent REAL NOT NULL,
      budget_limit REAL NOT NULL,
      exceeded_at INTEGER NOT NULL,
      reset_at INTEGER,
      PRIMARY KEY (budget, period_start)
    );
  `,
};
