import { type Node, isScalar, isSeq } from 'yaml';
import { type Ctx, duration, entries, fail } from './yaml.js';

/** `approvals:` of the group or an agent; an agent's keys replace the group's, key by key. */
export interface ApprovalPolicy {
  /** Action patterns the agent must ask about (its pre-action hook checks with `agor approval required`). */
  requiredFor: string[] | null;
  /** Action patterns approved at once, decided by 'policy'. */
  autoApprove: string[] | null;
  /** Default --timeout of `agor approval request`. */
  timeoutMs: number | null;
}

export const NO_POLICY: ApprovalPolicy = { requiredFor: null, autoApprove: null, timeoutMs: null };

function patterns(ctx: Ctx, node: Node | null | undefined, key: string): string[] {
  if (isScalar(node) && typeof node.value === 'string' && node.value.trim()) return [node.value.trim()];
  if (!isSeq(node)) fail(ctx, node, key, 'must be a list of action patterns', 'e.g. ["rm -rf *", "git push*"]: * matches any text, ? one character');
  return node.items.map((n, i) => {
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'string' || !v.trim()) fail(ctx, n as Node, `${key}[${i}]`, 'must be a non-empty pattern string');
    return v.trim();
  });
}

/** Parses `approvals: { required_for, auto_approve, timeout }`; refusals name file, line and key. */
export function parseApprovals(ctx: Ctx, node: Node | null | undefined, key: string): ApprovalPolicy {
  const e = entries(ctx, node, key, ['required_for', 'auto_approve', 'timeout']);
  const get = (k: string) => e.get(k)?.value;
  return {
    requiredFor: e.has('required_for') ? patterns(ctx, get('required_for'), `${key}.required_for`) : null,
    autoApprove: e.has('auto_approve') ? patterns(ctx, get('auto_approve'), `${key}.auto_approve`) : null,
    timeoutMs: e.has('timeout') ? duration(ctx, get('timeout'), `${key}.timeout`, 1000, 86_400_000) : null,
  };
}

/** The agent's policy: its own keys, else the group's. */
export const mergePolicy = (group: ApprovalPolicy, agent: ApprovalPolicy): ApprovalPolicy => ({
  requiredFor: agent.requiredFor ?? group.requiredFor,
  autoApprove: agent.autoApprove ?? group.autoApprove,
  timeoutMs: agent.timeoutMs ?? group.timeoutMs,
});
