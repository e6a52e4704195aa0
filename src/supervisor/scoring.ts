/** Wake signals and their weights (architecture: wakes and schedules). */
const WAKE_WEIGHTS = {
  attention_spike: 1.0,
  context_pressure_cluster: 0.9,
  burn_rate_anomaly: 0.8,
  task_queue_pressure: 0.7,
  review_backlog: 0.6,
  periodic_floor: 0.1,
} as const;
export type WakeSignal = keyof typeof WAKE_WEIGHTS;

/**
 * The wake score of a set of active signals: the weight of the strongest one (0 when
 * none). A `smart` agent is woken when the score reaches its threshold. The strongest
 * signal, not the sum, so that a pile of weak signals never outranks a real spike.
 */
export function wakeScore(active: Iterable<WakeSignal>): { score: number; signal: WakeSignal | null } {
  let best: WakeSignal | null = null;
  for (const s of active) if (best === null || WAKE_WEIGHTS[s] > WAKE_WEIGHTS[best]) best = s;
  return { score: best === null ? 0 : WAKE_WEIGHTS[best], signal: best };
}

export interface AttentionInput {
  stalled?: boolean;
  error?: boolean;
  /** Fraction of the context window in use, 0..1. */
  contextUsage?: number | null;
  fileConflict?: boolean;
  /** Tasks waiting in review for this agent. */
  reviewQueue?: number;
  /** Its approval requests waiting for the operator. */
  approvalsPending?: number;
  /** Why a spent budget holds it back; no new run starts until the budget resets. */
  budgetSpent?: string | null;
}

/**
 * Attention score 0-100 with its reason: stalled 100, approval pending 95 (the agent waits
 * for the operator), error 90, budget spent 85 (its work waits), context over 90% 80,
 * file conflict 70, review queue 10 per task capped at 50, context over 75% 40. The
 * highest applicable rule decides.
 */
export function attentionScore(a: AttentionInput): { score: number; reason: string | null } {
  const c: [number, string][] = [];
  if (a.stalled) c.push([100, 'stalled']);
  if (a.approvalsPending) c.push([95, a.approvalsPending > 1 ? `${a.approvalsPending} approvals pending` : 'approval pending']);
  if (a.error) c.push([90, 'error']);
  if (a.budgetSpent) c.push([85, 'budget spent']);
  if (a.contextUsage != null && a.contextUsage > 0.9) c.push([80, `context ${Math.round(a.contextUsage * 100)}%`]);
  if (a.fileConflict) c.push([70, 'file conflict']);
  if (a.reviewQueue && a.reviewQueue > 0) c.push([Math.min(50, 10 * a.reviewQueue), `${a.reviewQueue} in review queue`]);
  if (a.contextUsage != null && a.contextUsage > 0.75) c.push([40, `context ${Math.round(a.contextUsage * 100)}%`]);
  if (!c.length) return { score: 0, reason: null };
  c.sort((x, y) => y[0] - x[0]);
  return { score: c[0]![0], reason: c[0]![1] };
}
