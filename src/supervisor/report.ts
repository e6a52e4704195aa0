import { conflict, notFound, usage } from '../core/errors.js';
import { audit } from '../db/audit.js';
import { recordSpend } from '../db/budgets.js';
import { type Db, writeTx } from '../db/open.js';
import { type RunReport, type RunRow, getRun, reportRun, runIdsByPrefix, touchRunHeartbeat } from '../db/runs.js';
import { type Scrubber, scrubShapes } from '../secrets/scrub.js';
import { type RunView, runView } from './views.js';

export interface ReportInput {
  outcome?: 'success' | 'partial' | 'blocked';
  reason?: string;
  evidence?: string;
  tokensIn?: string;
  tokensOut?: string;
  cost?: string;
  turns?: string;
  toolCalls?: string;
  context?: string;
}

const MAX_EVIDENCE = 8 * 1024;

function count(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 1e15) throw usage(`invalid --${what} '${v}'`, 'give a whole number, 0 or more');
  return n;
}

function fraction(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const pct = v.trim().endsWith('%');
  const n = Number(pct ? v.trim().slice(0, -1) : v);
  const f = pct || n > 1 ? n / 100 : n;
  if (v.trim() === '' || !Number.isFinite(f) || f < 0 || f > 1) throw usage(`invalid --context '${v}'`, 'give a fraction from 0 to 1, or a percentage like 83%');
  return f;
}

/**
 * What a running agent tells agor about its run: an outcome other than plain success
 * (partial, or blocked with its reason and evidence) and its usage figures. Only a run
 * that has not ended takes reports. Figures are cumulative; what they rose by is charged
 * to the budgets at `now` (the supervisor's clock, see clock.ts).
 */
export function reportForRun(db: Db, runRef: string | undefined, i: ReportInput, scrub: Scrubber = scrubShapes, now = Date.now()): RunView {
  if (!runRef) throw usage('no run given and AGOR_RUN_ID is not set', 'agor sets AGOR_RUN_ID for the agents it runs; else pass --run ID');
  if (i.outcome === 'blocked' && !i.reason) throw usage('--outcome blocked needs --reason', 'captcha, login_wall, rate_limit, fraud_check or other');
  if (i.outcome === 'blocked' && !i.evidence) throw usage('--outcome blocked needs --evidence', 'the text or URL that shows the block');
  if (i.reason && i.outcome !== 'blocked') throw usage('--reason goes with --outcome blocked');
  if (i.evidence && Buffer.byteLength(i.evidence) > MAX_EVIDENCE) throw usage(`--evidence is over ${MAX_EVIDENCE} bytes`, 'give a URL or a shorter excerpt');
  const cost = i.cost === undefined ? undefined : Number(i.cost);
  if (cost !== undefined && (i.cost!.trim() === '' || !Number.isFinite(cost) || cost < 0))
    throw usage(`invalid --cost '${i.cost}'`, 'give an amount in US dollars, e.g. 0.42');
  const r: RunReport = {
    reported_outcome: i.outcome,
    report_reason: i.reason,
    // Evidence quotes what the agent saw, and is stored and shown: scrubbed first.
    report_evidence: i.evidence === undefined ? undefined : scrub(i.evidence),
    tokens_in: count(i.tokensIn, 'tokens-in'),
    tokens_out: count(i.tokensOut, 'tokens-out'),
    turns: count(i.turns, 'turns'),
    tool_calls: count(i.toolCalls, 'tool-calls'),
    cost_usd: cost,
    context_usage: fraction(i.context),
  };
  if (Object.values(r).every((v) => v === undefined)) throw usage('nothing to report', 'agor report --help lists what an agent can report');
  return writeTx(db, () => {
    const ids = runIdsByPrefix(db, runRef);
    if (ids.length > 1) throw usage(`run prefix '${runRef}' is ambiguous`);
    const run = ids.length ? getRun(db, ids[0]!) : undefined;
    if (!run) throw notFound(`no run '${runRef}'`, 'agor runs lists them');
    if (run.ended_at !== null) throw conflict(`run ${run.id.slice(0, 8)} of ${run.agent} has already ended`, 'an agent reports during its run');
    reportRun(db, run.id, r);
    chargeIncrease(db, run, r, now);
    touchRunHeartbeat(db, run.id, Date.now());
    if (i.outcome) audit(db, run.agent, 'run_reported', { run: run.id, outcome: i.outcome, reason: i.reason ?? null });
    return runView(getRun(db, run.id)!);
  });
}

/**
 * Adds to the spending ledger what this report raised the run's cumulative cost and tokens
 * by, so each budget period is charged what was spent in it. A figure reported lower than
 * before charges nothing (the run's record still takes the new figure).
 */
function chargeIncrease(db: Db, before: RunRow, r: RunReport, now: number): void {
  const cost = r.cost_usd == null ? 0 : Math.max(0, r.cost_usd - (before.cost_usd ?? 0));
  const tokens = Math.max(0, (r.tokens_in ?? before.tokens_in ?? 0) + (r.tokens_out ?? before.tokens_out ?? 0) - (before.tokens_in ?? 0) - (before.tokens_out ?? 0));
  if (cost > 0 || tokens > 0) recordSpend(db, { run_id: before.id, agent: before.agent, at: now, cost_usd: cost, tokens });
}
