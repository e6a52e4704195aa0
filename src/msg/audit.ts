import type { Db } from '../db/open.js';
import { listAudit } from '../db/audit.js';

/** An audit entry as `btmsg audit --json` shows it. */
export interface AuditEntry {
  id: number;
  agent: string;
  type: string;
  /** The stored JSON, parsed; plain text as the earlier tools wrote it; null when none. */
  detail: unknown;
  created_at: string;
}

export interface AuditOptions {
  agent?: string;
  /** An event type; a trailing * matches a prefix. */
  type?: string;
  /** SQLite UTC text (see parseSince): entries at or after it. */
  since?: string;
  limit: number;
}

/** The newest `limit` audit entries that match, oldest first. */
export function auditLog(db: Db, o: AuditOptions): AuditEntry[] {
  return listAudit(db, o).map((r) => {
    let detail: unknown = r.detail;
    try {
      detail = r.detail ? JSON.parse(r.detail) : null;
    } catch {
      /* written by the earlier tools as plain text */
    }
    return { id: r.id, agent: r.agent_id, type: r.event_type, detail, created_at: r.created_at };
  });
}
