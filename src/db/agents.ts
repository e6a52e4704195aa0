import { type Db, stmt } from './open.js';

export interface AgentRow {
  id: string;
  name: string;
  role: string;
  group_id: string;
  tier: number;
  model: string | null;
  cwd: string | null;
  system_prompt: string | null;
  status: string | null;
  last_active_at: string | null;
  created_at: string | null;
  /** 1 when agor supervises the agent, so a message can wake it. */
  managed: number;
}

export interface AgentStatusRow extends AgentRow {
  heartbeat: number | null;
  unread: number;
}

export const getAgent = (db: Db, id: string) => stmt<AgentRow>(db, 'SELECT * FROM agents WHERE id = ?').get(id);

/** The group of the first agent agor manages here (by id), or null before any supervisor ran. */
export const managedGroup = (db: Db): string | null =>
  stmt<{ group_id: string }>(db, 'SELECT group_id FROM agents WHERE managed = 1 ORDER BY id LIMIT 1').get()?.group_id ?? null;

export const listAgents = (db: Db) => stmt<AgentRow>(db, 'SELECT * FROM agents ORDER BY tier, group_id, id').all();

export const listAgentStatus = (db: Db) =>
  stmt<AgentStatusRow>(
    db,
    `SELECT a.*, h.timestamp AS heartbeat,
       (SELECT count(*) FROM messages m WHERE m.to_agent = a.id AND m.read = 0) AS unread
     FROM agents a LEFT JOIN heartbeats h ON h.agent_id = a.id
     ORDER BY a.tier, a.group_id, a.id`,
  ).all();

export function upsertAgent(db: Db, a: Pick<AgentRow, 'id' | 'name' | 'role' | 'group_id' | 'tier' | 'model' | 'cwd'>): 'created' | 'updated' {
  const existed = getAgent(db, a.id) !== undefined;
  stmt(
    db,
    `INSERT INTO agents (id, name, role, group_id, tier, model, cwd) VALUES (@id, @name, @role, @group_id, @tier, @model, @cwd)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role, group_id = excluded.group_id,
       tier = excluded.tier, model = coalesce(excluded.model, model), cwd = coalesce(excluded.cwd, cwd)`,
  ).run(a);
  return existed ? 'updated' : 'created';
}

export const touchAgent = (db: Db, id: string) => stmt(db, `UPDATE agents SET last_active_at = datetime('now') WHERE id = ?`).run(id);

export const hasContact = (db: Db, from: string, to: string) => stmt(db, 'SELECT 1 FROM contacts WHERE agent_id = ? AND contact_id = ?').get(from, to) !== undefined;

/** True when the row was new. */
export const addContact = (db: Db, from: string, to: string) =>
  stmt(db, 'INSERT OR IGNORE INTO contacts (agent_id, contact_id) VALUES (?, ?)').run(from, to).changes > 0;

export const contactsOf = (db: Db, id: string) =>
  stmt<AgentStatusRow>(
    db,
    `SELECT a.*, h.timestamp AS heartbeat, 0 AS unread
     FROM contacts c JOIN agents a ON a.id = c.contact_id LEFT JOIN heartbeats h ON h.agent_id = a.id
     WHERE c.agent_id = ? ORDER BY a.tier, a.id`,
  ).all(id);

export const allContacts = (db: Db) =>
  stmt<{ agent_id: string; contact_id: string }>(db, 'SELECT agent_id, contact_id FROM contacts ORDER BY agent_id, contact_id').all();

export const lastHeartbeat = (db: Db, id: string) => stmt<{ timestamp: number }>(db, 'SELECT timestamp FROM heartbeats WHERE agent_id = ?').get(id)?.timestamp;

export const recordHeartbeat = (db: Db, id: string, unixSeconds: number) =>
  stmt(db, 'INSERT INTO heartbeats (agent_id, timestamp) VALUES (?, ?) ON CONFLICT(agent_id) DO UPDATE SET timestamp = excluded.timestamp').run(id, unixSeconds);
