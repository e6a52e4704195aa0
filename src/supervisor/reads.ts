import { pendingApprovalCounts } from '../db/approvals.js';
import { listAudit } from '../db/audit.js';
import { openConflictCounts } from '../db/conflicts.js';
import type { Db } from '../db/open.js';
import { claimedTaskOf } from '../db/tasks.js';
import type { AgentView } from './protocol.js';
import { attentionScore } from './scoring.js';

/**
 * The read models the dashboard shows, whoever builds them: the local data source from
 * the SQLite file, and agor-relay for a remote dashboard (the same shapes on the wire).
 */

/** One agent as the fleet view shows it: the supervisor's view plus what the database adds. */
export interface FleetAgent extends AgentView {
  /** The task it holds a lease on, if any (the first). */
  claimed_task: { id: string; title: string } | null;
}

export interface AuditEntry {
  id: number;
  agent: string;
  type: string;
  detail: string;
  created_at: string;
}

export interface AuditFilter {
  agent?: string;
  /** A trailing * matches a prefix. */
  type?: string;
  limit: number;
}

export interface LogTail {
  agent: string;
  run: string | null;
  lines: string[];
  /** Why the run's own secret values are not redacted (only token shapes are); absent when they are. */
  note?: string;
}

/**
 * The agents with the task each holds a lease on; an agent with an approval request pending
 * or in an open conflict has its attention raised to that (unless already higher), so the
 * offline view and one read after `agor conflicts ack` agree with the supervisor.
 */
export function fleetOf(db: Db, agents: AgentView[], now = Date.now()): FleetAgent[] {
  const pending = new Map(pendingApprovalCounts(db, now).map((r) => [r.agent, r.n]));
  const conflicted = new Set(openConflictCounts(db).map((r) => r.agent));
  return agents.map((a) => {
    const n = pending.get(a.id);
    const raised = n || conflicted.has(a.id) ? attentionScore({ approvalsPending: n, fileConflict: conflicted.has(a.id) }) : null;
    const attention = raised && raised.score > a.attention ? { attention: raised.score, attention_reason: raised.reason } : {};
    return { ...a, ...attention, claimed_task: claimedTaskOf(db, a.id) ?? null };
  });
}

/** Audit entries for the dashboard's audit view, oldest first. */
export const auditEntries = (db: Db, f: AuditFilter): AuditEntry[] =>
  listAudit(db, { agent: f.agent || undefined, type: f.type || undefined, limit: f.limit }).map((r) => ({
    id: r.id,
    agent: r.agent_id,
    type: r.event_type,
    detail: r.detail ?? '',
    created_at: r.created_at ?? '',
  }));
