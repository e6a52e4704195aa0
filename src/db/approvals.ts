import { type Db, stmt } from './open.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'timeout' | 'cancelled';

/** One row of `approvals` (migration 14); times are Unix milliseconds. */
export interface ApprovalRow {
  id: number;
  agent: string;
  run_id: string | null;
  action: string;
  detail: string | null;
  status: ApprovalStatus;
  created_at: number;
  expires_at: number | null;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
}

export type NewApproval = Pick<ApprovalRow, 'agent' | 'run_id' | 'action' | 'detail' | 'created_at' | 'expires_at'>;

/** Inserts a pending request; call inside writeTx. */
export function insertApproval(db: Db, a: NewApproval): ApprovalRow {
  const info = stmt(
    db,
    `INSERT INTO approvals (agent, run_id, action, detail, created_at, expires_at)
     VALUES (@agent, @run_id, @action, @detail, @created_at, @expires_at)`,
  ).run(a);
  return getApproval(db, Number(info.lastInsertRowid))!;
}

export const getApproval = (db: Db, id: number) => stmt<ApprovalRow>(db, 'SELECT * FROM approvals WHERE id = ?').get(id);

/** Pending requests oldest first, or (all) the newest `limit` of every status, oldest first. */
export function listApprovals(db: Db, opts: { all?: boolean; limit?: number } = {}): ApprovalRow[] {
  if (!opts.all) return stmt<ApprovalRow>(db, "SELECT * FROM approvals WHERE status = 'pending' ORDER BY id LIMIT ?").all(opts.limit ?? 1000);
  return stmt<ApprovalRow>(db, 'SELECT * FROM (SELECT * FROM approvals ORDER BY id DESC LIMIT ?) ORDER BY id').all(opts.limit ?? 1000);
}

/**
 * Moves a pending request to a final status: a compare-and-swap on status, so two
 * deciders cannot both win. Returns whether this call decided it.
 */
export function decideApproval(db: Db, id: number, status: Exclude<ApprovalStatus, 'pending'>, by: string, note: string | null, at: number): boolean {
  return (
    stmt(
      db,
      `UPDATE approvals SET status = @status, decided_by = @by, note = @note, decided_at = @at
       WHERE id = @id AND status = 'pending'`,
    ).run({ id, status, by, note, at }).changes === 1
  );
}

/** Pending requests whose expires_at has passed at `now`. */
export const expiredApprovals = (db: Db, now: number) =>
  stmt<ApprovalRow>(db, "SELECT * FROM approvals WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY id").all(now);

/** Pending requests not yet past their expiry, per agent, for attention scores. */
export const pendingApprovalCounts = (db: Db, now: number) =>
  stmt<{ agent: string; n: number }>(
    db,
    "SELECT agent, COUNT(*) AS n FROM approvals WHERE status = 'pending' AND (expires_at IS NULL OR expires_at > ?) GROUP BY agent",
  ).all(now);
