/** The approvals as the supervisor's traces read them: when each wait began and how it ended. */
import { type Db, stmt } from './open.js';

export interface ApprovalWaitRow {
  id: number;
  agent: string;
  run_id: string | null;
  action: string;
  status: 'pending' | 'approved' | 'denied' | 'timeout' | 'cancelled';
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
}

const COLS = 'id, agent, run_id, action, status, created_at, decided_at, decided_by';

/** The highest approval id so far (0 for none): where a supervisor starts watching. */
export const lastApprovalId = (db: Db): number => stmt<{ n: number | null }>(db, 'SELECT max(id) AS n FROM approvals').get()!.n ?? 0;

/** Up to `limit` approvals after `afterId`, oldest first. */
export const approvalsAfter = (db: Db, afterId: number, limit = 500) =>
  stmt<ApprovalWaitRow>(db, `SELECT ${COLS} FROM approvals WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit);

/** The approvals among `ids` that are no longer pending. */
export const decidedAmong = (db: Db, ids: number[]) =>
  ids.length
    ? stmt<ApprovalWaitRow>(db, `SELECT ${COLS} FROM approvals WHERE id IN (SELECT value FROM json_each(?)) AND status != 'pending'`).all(JSON.stringify(ids))
    : [];
