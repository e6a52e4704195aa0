import { type Db, stmt } from './open.js';

export interface AuditRow {
  id: number;
  agent_id: string;
  event_type: string;
  detail: string | null;
  created_at: string;
}

/** Appends one audit entry; `detail` objects are stored as JSON. */
export function audit(db: Db, agentId: string, eventType: string, detail?: string | Record<string, unknown>): void {
  const text = detail === undefined ? null : typeof detail === 'string' ? detail : JSON.stringify(detail);
  stmt(db, 'INSERT INTO audit_log (agent_id, event_type, detail) VALUES (?, ?, ?)').run(agentId, eventType, text);
}

export interface AuditFilter {
  agent?: string;
  type?: string;
  /** SQLite UTC text; entries at or after it. */
  since?: string;
  limit: number;
}

/** Newest `limit` entries matching the filter, returned oldest first. */
export function listAudit(db: Db, f: AuditFilter): AuditRow[] {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: f.limit };
  if (f.agent) (where.push('agent_id = @agent'), (params.agent = f.agent));
  if (f.type) {
    // A trailing * matches a prefix: --type 'message_*'.
    if (f.type.endsWith('*'))
      (where.push('event_type >= @tlo AND event_type < @thi'), (params.tlo = f.type.slice(0, -1)), (params.thi = f.type.slice(0, -1) + '\uffff'));
    else (where.push('event_type = @type'), (params.type = f.type));
  }
  if (f.since) (where.push('created_at >= @since'), (params.since = f.since));
  const sql = `SELECT * FROM (SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ORDER BY id DESC LIMIT @limit) ORDER BY id`;
  return stmt<AuditRow>(db, sql).all(params);
}
