/** Spending against budgets: what `agor budget`, `agor ps`, the dashboard and the supervisor's enforcement read. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentSpend, spendByAgent } from '../db/budgets.js';
import type { Db } from '../db/open.js';
import { getSupervisor } from '../db/runs.js';
import { type BudgetSpec, machineTimeZone } from './budget-config.js';
import { clockFromEnv } from './clock.js';
import { CONFIG_FILE, type GroupConfig, loadConfig } from './config.js';
import { type Period, periodEnd, periodStart } from './periods.js';

/** A budget at or above this share of its limit is 'near'. */
export const NEAR = 0.8;

export type BudgetStatus = 'ok' | 'near' | 'spent';

/** One limit of one budget (the group's or an agent's) in its current period. */
export interface BudgetLine {
  /** agent:ID:period:kind or group:period:kind; names the budget in events, alerts and audit. */
  key: string;
  scope: 'agent' | 'group';
  /** The agent whose budget it is; null for the group's. */
  agent: string | null;
  period: Period;
  kind: 'cost' | 'tokens';
  spent: number;
  limit: number;
  remaining: number;
  /** spent / limit, in whole percent (may pass 100: a run already going may spend on). */
  percent: number;
  status: BudgetStatus;
  /** ISO time the period ends and the budget starts again from zero. */
  resets_at: string;
  period_start: number;
  currency: string | null;
  on_exceed: 'wait' | 'stop';
}

export interface Spending {
  today: { cost: number; tokens: number };
  month: { cost: number; tokens: number };
}

export interface BudgetReport {
  at: string;
  timezone: string;
  currency: string;
  group: Spending & { budgets: BudgetLine[]; status: BudgetStatus | null };
  agents: (Spending & { agent: string; budgets: BudgetLine[]; status: BudgetStatus | null })[];
}

/** What `agor ps` and the Fleet show of an agent's budgets: the one closest to being spent (its own or the group's). */
export interface AgentBudget {
  status: BudgetStatus;
  scope: 'agent' | 'group';
  period: Period;
  kind: 'cost' | 'tokens';
  spent: number;
  limit: number;
  percent: number;
  resets_at: string;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function lines(spec: BudgetSpec, scope: 'agent' | 'group', agent: string | null, s: Spending, bounds: Record<Period, { start: number; end: number }>): BudgetLine[] {
  const out: BudgetLine[] = [];
  const add = (period: Period, kind: 'cost' | 'tokens', limit: number | null) => {
    if (limit === null) return;
    const used = round(kind === 'cost' ? (period === 'daily' ? s.today.cost : s.month.cost) : period === 'daily' ? s.today.tokens : s.month.tokens);
    const share = used / limit;
    out.push({
      key: scope === 'agent' ? `agent:${agent}:${period}:${kind}` : `group:${period}:${kind}`,
      scope,
      agent,
      period,
      kind,
      spent: used,
      limit,
      remaining: round(Math.max(0, limit - used)),
      percent: Math.floor(share * 100),
      status: share >= 1 ? 'spent' : share >= NEAR ? 'near' : 'ok',
      resets_at: new Date(bounds[period].end).toISOString(),
      period_start: bounds[period].start,
      currency: kind === 'cost' ? spec.currency : null,
      on_exceed: spec.onExceed,
    });
  };
  add('daily', 'cost', spec.daily);
  add('monthly', 'cost', spec.monthly);
  add('daily', 'tokens', spec.tokens.daily);
  add('monthly', 'tokens', spec.tokens.monthly);
  return out;
}

const RANK: Record<BudgetStatus, number> = { ok: 0, near: 1, spent: 2 };
const worst = (ls: BudgetLine[]): BudgetStatus | null => (ls.length ? ls.reduce<BudgetStatus>((w, l) => (RANK[l.status] > RANK[w] ? l.status : w), 'ok') : null);

/** Spending against the group's and each agent's budgets at `now`, from the ledger's per-agent sums. */
export function budgetReport(config: Pick<GroupConfig, 'budget' | 'timezone' | 'agents'>, spend: AgentSpend[], now: number): BudgetReport {
  const tz = config.timezone ?? machineTimeZone();
  const bounds = {
    daily: { start: periodStart(now, tz, 'daily'), end: periodEnd(now, tz, 'daily') },
    monthly: { start: periodStart(now, tz, 'monthly'), end: periodEnd(now, tz, 'monthly') },
  };
  const by = new Map(spend.map((r) => [r.agent, r]));
  const spending = (rs: (AgentSpend | undefined)[]): Spending => ({
    today: { cost: round(rs.reduce((n, r) => n + (r?.day_cost ?? 0), 0)), tokens: rs.reduce((n, r) => n + (r?.day_tokens ?? 0), 0) },
    month: { cost: round(rs.reduce((n, r) => n + (r?.month_cost ?? 0), 0)), tokens: rs.reduce((n, r) => n + (r?.month_tokens ?? 0), 0) },
  });
  // The group's budget counts every agent's spending, also that of agents no longer declared.
  const g = spending(spend);
  const groupLines = config.budget ? lines(config.budget, 'group', null, g, bounds) : [];
  return {
    at: new Date(now).toISOString(),
    timezone: tz,
    currency: 'USD',
    group: { ...g, budgets: groupLines, status: worst(groupLines) },
    agents: config.agents.map((a) => {
      const s = spending([by.get(a.id)]);
      const own = a.budget ? lines(a.budget, 'agent', a.id, s, bounds) : [];
      return { agent: a.id, ...s, budgets: own, status: worst(own) };
    }),
  };
}

/** Reads the ledger and reports spending against budgets at `now`. */
export function readBudgets(db: Db, config: Pick<GroupConfig, 'budget' | 'timezone' | 'agents'>, now: number): BudgetReport {
  const tz = config.timezone ?? machineTimeZone();
  return budgetReport(config, spendByAgent(db, periodStart(now, tz, 'monthly'), periodStart(now, tz, 'daily')), now);
}

/** The budgets that bear on `agent`: its own, then the group's. */
export const linesFor = (r: BudgetReport, agent: string): BudgetLine[] => [...(r.agents.find((a) => a.agent === agent)?.budgets ?? []), ...r.group.budgets];

/** The spent budget that keeps `agent` from starting a run, or null. */
export const spentFor = (r: BudgetReport, agent: string): BudgetLine | null => linesFor(r, agent).find((l) => l.status === 'spent') ?? null;

/** An agent's budget as ps shows it: the line closest to its limit; null when no budget bears on it. */
export function agentBudget(r: BudgetReport, agent: string): AgentBudget | null {
  const ls = linesFor(r, agent);
  if (!ls.length) return null;
  const l = ls.reduce((a, b) => (b.spent / b.limit > a.spent / a.limit ? b : a));
  return { status: l.status, scope: l.scope, period: l.period, kind: l.kind, spent: l.spent, limit: l.limit, percent: l.percent, resets_at: l.resets_at };
}

/** "daily budget spent (5.2/5 USD)" or "group monthly token budget spent (…)" */
export function describeLine(l: Pick<BudgetLine, 'scope' | 'period' | 'kind' | 'spent' | 'limit' | 'currency'>, what = 'spent'): string {
  const amount = l.kind === 'cost' ? `${l.spent.toFixed(2)}/${l.limit.toFixed(2)} ${l.currency ?? 'USD'}` : `${l.spent}/${l.limit} tokens`;
  return `${l.scope === 'group' ? 'group ' : ''}${l.period} ${l.kind === 'tokens' ? 'token ' : ''}budget ${what} (${amount})`;
}

/** True when the group or any agent has a budget. */
export const hasBudgets = (config: Pick<GroupConfig, 'budget' | 'agents'>): boolean => !!config.budget || config.agents.some((a) => a.budget);

/** Which agor.yaml a verb reads: -f, else ./agor.yaml, else the one the running supervisor was started with. */
export function groupConfigFor(db: Db, o: { file?: string; cwd?: string }): GroupConfig {
  const cwd = o.cwd ?? process.cwd();
  const file = o.file ?? (existsSync(join(cwd, CONFIG_FILE)) ? undefined : (getSupervisor(db)?.config ?? undefined));
  return loadConfig(file, cwd);
}

/** `agor budget`: spending today and this month against every budget, from the database and agor.yaml (no supervisor needed). */
export function listBudgets(db: Db, o: { file?: string; cwd?: string; now?: number } = {}): BudgetReport & { file: string } {
  const cfg = groupConfigFor(db, o);
  return { file: cfg.file, ...readBudgets(db, cfg, o.now ?? clockFromEnv().now()) };
}

/** Agent views with their budgets filled in from the ledger and agor.yaml (for `agor ps` without a supervisor); unchanged when no agor.yaml can be read. */
export function withBudgets<T extends { id: string; budget?: AgentBudget | null }>(db: Db, views: T[], o: { file?: string; now?: number } = {}): T[] {
  let r: BudgetReport;
  try {
    const cfg = groupConfigFor(db, o);
    if (!hasBudgets(cfg)) return views.map((v) => ({ ...v, budget: null }));
    r = readBudgets(db, cfg, o.now ?? clockFromEnv().now());
  } catch {
    return views;
  }
  return views.map((v) => ({ ...v, budget: agentBudget(r, v.id) }));
}
