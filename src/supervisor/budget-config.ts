import type { Node } from 'yaml';
import { isScalar } from 'yaml';
import { type Ctx, entries, fail, oneOf, str } from './yaml.js';

/** The currency budgets are kept in: agents report cost in US dollars (`agor report --cost`). */
export const BUDGET_CURRENCY = 'USD';

/** `budget:` of the group (the sum over all its agents) or of one agent; null limits are not set. */
export interface BudgetSpec {
  /** Cost limits in US dollars per day and per month. */
  daily: number | null;
  monthly: number | null;
  /** Token limits (input plus output tokens) per day and per month. */
  tokens: { daily: number | null; monthly: number | null };
  /** `wait` (default): running runs finish, no new run starts; `stop`: running runs are stopped as well. */
  onExceed: 'wait' | 'stop';
  currency: string;
}

/** True when the time zone is one the runtime knows (an IANA name such as Europe/Berlin). */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The machine's own time zone, for a group without `timezone:`. */
export const machineTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Parses the top-level `timezone:` (IANA name); absent: the machine's. */
export function parseTimeZone(ctx: Ctx, node: Node | null | undefined): string {
  if (!node) return machineTimeZone();
  const tz = str(ctx, node, 'timezone');
  if (!validTimeZone(tz)) fail(ctx, node, 'timezone', `unknown time zone '${tz}'`, 'use an IANA name such as Europe/Berlin, America/New_York or UTC');
  return tz;
}

function limit(ctx: Ctx, node: Node | null | undefined, key: string, whole: boolean): number {
  const v = isScalar(node) ? node.value : undefined;
  const ok = typeof v === 'number' && Number.isFinite(v) && v > 0 && (!whole || Number.isInteger(v)) && v <= 1e15;
  if (!ok)
    fail(
      ctx,
      node,
      key,
      whole ? 'must be a whole number of tokens above 0' : 'must be an amount above 0, e.g. 5.00',
      whole ? 'e.g. tokens: { daily: 2000000 }' : undefined,
    );
  return v as number;
}

/** Parses `budget: { daily, monthly, currency, tokens: { daily, monthly }, on_exceed }`; refusals name file, line and key. */
export function parseBudget(ctx: Ctx, node: Node | null | undefined, key: string): BudgetSpec | null {
  if (!node) return null;
  const e = entries(ctx, node, key, ['daily', 'monthly', 'currency', 'tokens', 'on_exceed']);
  const get = (k: string) => e.get(k)?.value;
  const spec: BudgetSpec = {
    daily: e.has('daily') ? limit(ctx, get('daily'), `${key}.daily`, false) : null,
    monthly: e.has('monthly') ? limit(ctx, get('monthly'), `${key}.monthly`, false) : null,
    tokens: { daily: null, monthly: null },
    onExceed: e.has('on_exceed') ? oneOf(ctx, get('on_exceed'), `${key}.on_exceed`, ['wait', 'stop'] as const) : 'wait',
    currency: BUDGET_CURRENCY,
  };
  if (e.has('currency')) {
    const c = str(ctx, get('currency'), `${key}.currency`);
    if (c.toUpperCase() !== BUDGET_CURRENCY)
      fail(ctx, get('currency'), `${key}.currency`, `must be ${BUDGET_CURRENCY} (got '${c}')`, 'agents report cost in US dollars (agor report --cost)');
  }
  if (e.has('tokens')) {
    const t = entries(ctx, get('tokens'), `${key}.tokens`, ['daily', 'monthly']);
    if (t.has('daily')) spec.tokens.daily = limit(ctx, t.get('daily')!.value, `${key}.tokens.daily`, true);
    if (t.has('monthly')) spec.tokens.monthly = limit(ctx, t.get('monthly')!.value, `${key}.tokens.monthly`, true);
  }
  if (spec.daily !== null && spec.monthly !== null && spec.daily > spec.monthly)
    fail(ctx, get('daily'), `${key}.daily`, `is more than the monthly budget (${spec.monthly})`, 'a day cannot spend more than its month');
  if (spec.tokens.daily !== null && spec.tokens.monthly !== null && spec.tokens.daily > spec.tokens.monthly)
    fail(ctx, get('tokens'), `${key}.tokens.daily`, `is more than the monthly token budget (${spec.tokens.monthly})`);
  if (spec.daily === null && spec.monthly === null && spec.tokens.daily === null && spec.tokens.monthly === null)
    fail(ctx, node, key, 'sets no limit', 'give daily:, monthly: (US dollars) or tokens: { daily:, monthly: }');
  return spec;
}
