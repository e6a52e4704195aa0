import { type UserError, notPermitted } from '../core/errors.js';
import { audit } from '../db/audit.js';
import { type Db, writeTx } from '../db/open.js';

/** Who was refused what, for the audit log. */
export interface Refusal {
  agent: string;
  /** The verb refused, e.g. `send`, `task update`. */
  action: string;
  /** What it was refused on: an agent, a channel, a message, a task id. */
  target?: string;
}

const refusals = new WeakMap<Error, Refusal>();

/** A not-permitted error (exit 4) that `recordRefusal` writes to the audit log. */
export function refused(r: Refusal, message: string, hint?: string): UserError {
  const e = notPermitted(message, hint);
  refusals.set(e, r);
  return e;
}

/**
 * Writes a refusal made by `refused` to the audit log as `permission_denied`, in a
 * transaction of its own: most refusals are thrown inside the write they refuse, whose
 * transaction has rolled back by the time the error reaches the caller. Call it where
 * the error arrives, outside any transaction; it never throws.
 */
export function recordRefusal(db: Db, e: unknown): void {
  const r = e instanceof Error ? refusals.get(e) : undefined;
  if (!r || !db.open || db.inTransaction) return;
  try {
    writeTx(db, () => audit(db, r.agent, 'permission_denied', { action: r.action, ...(r.target ? { target: r.target } : {}), message: (e as Error).message }));
  } catch {
    // A read-only or long-locked database: the refusal itself still stands and is reported.
  }
}
