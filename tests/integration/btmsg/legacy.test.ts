import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION } from '../../../src/db/migrations/index.js';
import { btmsg, json, tempDb } from '../../helpers/cli.js';

/**
 * The earlier Python btmsg/bttask tools talked to SQLite through python3's sqlite3
 * module; these scripts do the same, so the file and the later writes are made exactly
 * the way those tools made them.
 */
const PY_COMMON = String.raw`
import json, sqlite3, sys, time, uuid
db = sys.argv[1]
# Legacy columns of every table, in order: what the old tools read and wrote.
COLS = {
  'agents': ['id', 'name', 'role', 'group_id', 'tier', 'model', 'cwd', 'system_prompt', 'status', 'last_active_at', 'created_at'],
  'contacts': ['agent_id', 'contact_id'],
  'messages': ['id', 'from_agent', 'to_agent', 'content', 'read', 'reply_to', 'group_id', 'sender_group_id', 'created_at'],
  'channels': ['id', 'name', 'group_id', 'created_by', 'created_at'],
  'channel_members': ['channel_id', 'agent_id', 'joined_at'],
  'channel_messages': ['id', 'channel_id', 'from_agent', 'content', 'created_at'],
  'tasks': ['id', 'title', 'description', 'status', 'priority', 'assigned_to', 'created_by', 'group_id', 'parent_task_id', 'sort_order', 'created_at', 'updated_at', 'version'],
  'task_comments': ['id', 'task_id', 'agent_id', 'content', 'created_at'],
  'heartbeats': ['agent_id', 'timestamp'],
  'dead_letter_queue': ['id', 'from_agent', 'to_agent', 'content', 'error', 'created_at'],
  'audit_log': ['id', 'agent_id', 'event_type', 'detail', 'created_at'],
  'seen_messages': ['session_id', 'message_id', 'seen_at'],
}
`;

const PY_CREATE = String.raw`
conn = sqlite3.connect(db)
conn.executescript('''
CREATE TABLE agents (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, group_id TEXT NOT NULL,
  tier INTEGER NOT NULL DEFAULT 2, model TEXT, cwd TEXT, system_prompt TEXT,
  status TEXT DEFAULT 'stopped', last_active_at TEXT, created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE contacts (agent_id TEXT NOT NULL, contact_id TEXT NOT NULL, PRIMARY KEY (agent_id, contact_id));
CREATE TABLE messages (
  id TEXT PRIMARY KEY, from_agent TEXT NOT NULL, to_agent TEXT NOT NULL, content TEXT NOT NULL,
  read INTEGER DEFAULT 0, reply_to TEXT, group_id TEXT NOT NULL, sender_group_id TEXT,
  created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, group_id TEXT NOT NULL, created_by TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE channel_members (channel_id TEXT NOT NULL, agent_id TEXT NOT NULL, joined_at TEXT DEFAULT (datetime('now')),
  PRIMARY KEY (channel_id, agent_id));
CREATE TABLE channel_messages (id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, from_agent TEXT NOT NULL, content TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE tasks (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT DEFAULT '', status TEXT DEFAULT 'todo',
  priority TEXT DEFAULT 'medium', assigned_to TEXT, created_by TEXT NOT NULL, group_id TEXT NOT NULL,
  parent_task_id TEXT, sort_order INTEGER DEFAULT 0, created_at TEXT DEFAULT (datetime('now')),
  updated_at TEXT DEFAULT (datetime('now')), version INTEGER DEFAULT 1);
CREATE TABLE task_comments (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, agent_id TEXT NOT NULL, content TEXT NOT NULL,
  created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE heartbeats (agent_id TEXT PRIMARY KEY, timestamp INTEGER NOT NULL);
CREATE TABLE dead_letter_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, from_agent TEXT NOT NULL, to_agent TEXT NOT NULL,
  content TEXT NOT NULL, error TEXT NOT NULL, created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, event_type TEXT NOT NULL, detail TEXT,
  created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE seen_messages (session_id TEXT NOT NULL, message_id TEXT NOT NULL,
  seen_at INTEGER NOT NULL DEFAULT (strftime('%s','now')), PRIMARY KEY (session_id, message_id));
''')
now = int(time.time())
c = conn.cursor()
for a in [('boss', 'Boss', 'manager', 'demo', 1, 'opus', '/srv/boss', 'You lead.', 'running', '2025-03-01 10:00:00'),
          ('alice', 'Alice', 'project', 'demo', 2, 'sonnet', '/srv/alice', None, 'stopped', None),
          ('bob', 'Bob', 'project', 'demo', 2, None, None, None, 'stopped', '2025-03-01 09:00:00'),
          ('rev', 'Reviewer', 'reviewer', 'demo', 1, 'haiku', None, 'Review everything.', 'idle', None)]:
    c.execute('INSERT INTO agents (id, name, role, group_id, tier, model, cwd, system_prompt, status, last_active_at) VALUES (?,?,?,?,?,?,?,?,?,?)', a)
for a, b in [('boss', 'alice'), ('alice', 'boss'), ('boss', 'bob'), ('bob', 'boss'), ('alice', 'bob'), ('bob', 'alice'), ('rev', 'boss')]:
    c.execute('INSERT INTO contacts (agent_id, contact_id) VALUES (?, ?)', (a, b))
ids = {}
for key, frm, to, content, read, reply in [
        ('m1', 'boss', 'bob', 'please review the quokka migration plan', 1, None),
        ('m2', 'bob', 'boss', 'quokka plan looks fine, one question about rollback', 1, 'm1'),
        ('m3', 'alice', 'bob', 'the zeppelin build is flaky again', 0, None),
        ('m4', 'boss', 'bob', 'standup moved to 10:30 — grüße from Zürich', 0, None),
        ('m5', 'boss', 'alice', 'archived note about the narwhal deploy', 1, None),
        ('m6', 'rev', 'boss', 'reviewed: the walrus refactor is approved', 0, None)]:
    ids[key] = str(uuid.uuid4())
    c.execute('INSERT INTO messages (id, from_agent, to_agent, content, read, reply_to, group_id, sender_group_id) VALUES (?,?,?,?,?,?,?,?)',
              (ids[key], frm, to, content, read, ids.get(reply) if reply else None, 'demo', 'demo'))
ch = str(uuid.uuid4())
c.execute('INSERT INTO channels (id, name, group_id, created_by) VALUES (?, ?, ?, ?)', (ch, 'general', 'demo', 'boss'))
for a in ['boss', 'alice', 'bob']:
    c.execute('INSERT INTO channel_members (channel_id, agent_id) VALUES (?, ?)', (ch, a))
for frm, content in [('boss', 'welcome to the general channel'), ('alice', 'the pelican release ships friday'), ('bob', 'ack')]:
    c.execute('INSERT INTO channel_messages (id, channel_id, from_agent, content) VALUES (?, ?, ?, ?)', (str(uuid.uuid4()), ch, frm, content))
t1, t2, t3 = (str(uuid.uuid4()) for _ in range(3))
c.execute("INSERT INTO tasks (id, title, description, status, priority, assigned_to, created_by, group_id, sort_order, version) VALUES (?,?,?,?,?,?,?,?,?,?)",
          (t1, 'Migrate the quokka service', 'move it to the new cluster', 'progress', 'high', 'bob', 'boss', 'demo', 1, 3))
c.execute("INSERT INTO tasks (id, title, created_by, group_id, parent_task_id) VALUES (?, ?, ?, ?, ?)", (t2, 'Write the runbook', 'boss', 'demo', t1))
c.execute("INSERT INTO tasks (id, title, description, status, priority, created_by, group_id) VALUES (?,?,?,?,?,?,?)",
          (t3, 'Fix flaky zeppelin build', 'it fails one run in five', 'done', 'critical', 'alice', 'demo'))
c.execute('INSERT INTO task_comments (id, task_id, agent_id, content) VALUES (?, ?, ?, ?)', (str(uuid.uuid4()), t1, 'bob', 'halfway there'))
c.execute('INSERT INTO task_comments (id, task_id, agent_id, content) VALUES (?, ?, ?, ?)', (str(uuid.uuid4()), t3, 'alice', 'fixed by pinning the toolchain'))
c.execute('INSERT INTO heartbeats (agent_id, timestamp) VALUES (?, ?)', ('alice', now - 30))
c.execute('INSERT INTO heartbeats (agent_id, timestamp) VALUES (?, ?)', ('bob', now - 7200))
c.execute('INSERT INTO dead_letter_queue (from_agent, to_agent, content, error) VALUES (?, ?, ?, ?)', ('boss', 'ghost', 'are you there?', 'unknown agent'))
c.execute('INSERT INTO dead_letter_queue (from_agent, to_agent, content, error) VALUES (?, ?, ?, ?)', ('alice', 'bob', 'ping', 'agent stopped'))
for a, ev, d in [('boss', 'agent_registered', 'alice'), ('boss', 'message_sent', ids['m1']), ('alice', 'channel_message', 'general')]:
    c.execute('INSERT INTO audit_log (agent_id, event_type, detail) VALUES (?, ?, ?)', (a, ev, d))
c.execute('INSERT INTO seen_messages (session_id, message_id) VALUES (?, ?)', ('sess-1', ids['m1']))
c.execute('INSERT INTO seen_messages (session_id, message_id, seen_at) VALUES (?, ?, ?)', ('sess-1', ids['m2'], now - 100))
conn.commit()
conn.close()
print(json.dumps(ids))
`;

const PY_DUMP = String.raw`
conn = sqlite3.connect(db)
out = {}
for t, cols in COLS.items():
    out[t] = [list(r) for r in conn.execute('SELECT %s FROM %s ORDER BY %s' % (', '.join(cols), t, ', '.join(cols[:2])))]
out['user_version'] = conn.execute('PRAGMA user_version').fetchone()[0]
conn.close()
print(json.dumps(out))
`;

/** A write the way the old btmsg made it: no delivery columns, no flags. */
const PY_OLD_WRITES = String.raw`
conn = sqlite3.connect(db)
mid = str(uuid.uuid4())
conn.execute('INSERT INTO messages (id, from_agent, to_agent, content, group_id, sender_group_id) VALUES (?, ?, ?, ?, ?, ?)',
             (mid, 'alice', 'bob', 'old tool says: the capybara dashboard is live', 'demo', 'demo'))
conn.execute('INSERT INTO tasks (id, title, created_by, group_id) VALUES (?, ?, ?, ?)', (str(uuid.uuid4()), 'Old-style task', 'boss', 'demo'))
conn.execute('INSERT INTO task_comments (id, task_id, agent_id, content) VALUES (?, ?, ?, ?)', (str(uuid.uuid4()), 'x', 'bob', 'old comment'))
conn.commit()
unread = [r[0] for r in conn.execute('SELECT content FROM messages WHERE to_agent = ? AND read = 0 ORDER BY created_at, rowid', ('bob',))]
conn.close()
print(json.dumps({'id': mid, 'unread': unread}))
`;

function python<T>(script: string, db: string): T {
  const r = spawnSync('python3', ['-c', PY_COMMON + script, db], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

type Dump = Record<string, unknown[][]> & { user_version: number };
interface Message {
  id: string;
  from: string;
  to: string;
  content: string;
  state: string;
  reply_to: string | null;
}

describe('btmsg on a file made by the earlier Python tools', () => {
  let t: ReturnType<typeof tempDb>;
  let ids: Record<string, string>;
  let before: Dump;
  beforeEach(() => {
    t = tempDb();
    ids = python<Record<string, string>>(PY_CREATE, t.db);
    before = python<Dump>(PY_DUMP, t.db);
  });
  afterEach(() => t.cleanup());

  it('migrates the file forward without losing or changing a single legacy row', () => {
    expect(before.user_version).toBe(0);
    const r = btmsg(['status', '--json'], { db: t.db, as: 'admin' });
    expect(r.code, r.stderr).toBe(0);
    const after = python<Dump>(PY_DUMP, t.db);
    expect(after.user_version).toBe(LATEST_VERSION);
    for (const table of Object.keys(before).filter((k) => k !== 'user_version' && k !== 'agents')) {
      expect(after[table], table).toEqual(before[table]);
    }
    // The only addition: the built-in operator.
    expect(after.agents!.filter((a) => a[0] !== 'admin')).toEqual(before.agents);
    expect(after.agents!.find((a) => a[0] === 'admin')?.slice(0, 5)).toEqual(['admin', 'Operator', 'admin', '*', 0]);
    expect(before.messages).toHaveLength(6);
    expect(before.tasks).toHaveLength(3);

    // Listing an inbox records delivery in the new columns and appends to the audit log, nothing more.
    expect(btmsg(['inbox', '--json'], { db: t.db, as: 'bob' }).code).toBe(0);
    const listed = python<Dump>(PY_DUMP, t.db);
    for (const table of Object.keys(before).filter((k) => !['user_version', 'agents', 'audit_log'].includes(k))) {
      expect(listed[table], table).toEqual(before[table]);
    }
    expect(listed.audit_log!.slice(0, before.audit_log!.length)).toEqual(before.audit_log);
  });

  it('shows the old agents with their heartbeats, and contacts, channels, dead letters and audit entries', () => {
    const status = json<{ id: string; role: string; tier: number; model: string | null; liveness: string; unread: number }[]>(
      btmsg(['status', '--json'], { db: t.db }),
    );
    expect(status.map((a) => [a.id, a.role, a.tier, a.liveness, a.unread])).toEqual([
      ['admin', 'admin', 0, 'none', 0],
      ['boss', 'manager', 1, 'none', 1],
      ['rev', 'reviewer', 1, 'none', 0],
      ['alice', 'project', 2, 'alive', 0],
      ['bob', 'project', 2, 'stale', 2],
    ]);
    expect(json<{ id: string }[]>(btmsg(['contacts', '--json'], { db: t.db, as: 'rev' })).map((a) => a.id)).toEqual(['admin', 'boss']);
    expect(json<{ from: string; content: string }[]>(btmsg(['channel', 'history', 'general', '--json'], { db: t.db, as: 'alice' })).map((m) => m.content)).toEqual([
      'welcome to the general channel',
      'the pelican release ships friday',
      'ack',
    ]);
    expect(json<{ to: string; reason: string }[]>(btmsg(['dlq', 'list', '--json'], { db: t.db, as: 'admin' })).map((d) => [d.to, d.reason])).toEqual([
      ['ghost', 'unknown agent'],
      ['bob', 'agent stopped'],
    ]);
    const audit = json<{ agent: string; type: string; detail: unknown }[]>(btmsg(['audit', '--json'], { db: t.db }));
    expect(audit.map((a) => [a.agent, a.type, a.detail])).toEqual([
      ['boss', 'agent_registered', 'alice'],
      ['boss', 'message_sent', ids.m1],
      ['alice', 'channel_message', 'general'],
    ]);
  });

  it('shows messages the old tools marked read as seen, and unread ones as new', () => {
    const all = json<Message[]>(btmsg(['inbox', '--all', '--json'], { db: t.db, as: 'bob' }));
    expect(all.map((m) => [m.id, m.state])).toEqual([
      [ids.m1, 'seen'],
      [ids.m3, 'delivered'],
      [ids.m4, 'delivered'],
    ]);
    const unread = json<Message[]>(btmsg(['inbox', '--json'], { db: t.db, as: 'bob' }));
    expect(unread.map((m) => m.content)).toEqual(['the zeppelin build is flaky again', 'standup moved to 10:30 — grüße from Zürich']);
    const shown = json<{ thread: Message[] }>(btmsg(['show', ids.m2!.slice(0, 8), '--json'], { db: t.db, as: 'boss' }));
    expect(shown.thread.map((m) => [m.id, m.state])).toEqual([
      [ids.m1, 'seen'],
      [ids.m2, 'seen'],
    ]);
  });

  it('finds old message and channel bodies with search, since the index is built on migration', () => {
    const hits = json<{ kind: string; id: string }[]>(btmsg(['search', 'quokka', '--json'], { db: t.db, as: 'admin' }));
    expect(hits.map((h) => h.id).sort()).toEqual([ids.m1, ids.m2].sort());
    expect(json<{ id: string }[]>(btmsg(['search', 'narwhal', '--json'], { db: t.db, as: 'alice' })).map((h) => h.id)).toEqual([ids.m5]);
    expect(json<{ kind: string; to: string }[]>(btmsg(['search', 'pelican', '--json'], { db: t.db, as: 'bob' }))).toMatchObject([
      { kind: 'channel', to: '#general' },
    ]);
    expect(json<unknown[]>(btmsg(['search', 'zürich', '--json'], { db: t.db, as: 'bob' }))).toHaveLength(1);
  });

  it('keeps taking writes from the old tools after the migration, and shows them to inbox and search', () => {
    expect(btmsg(['inbox', '--json'], { db: t.db, as: 'bob' }).code).toBe(0);
    const old = python<{ id: string; unread: string[] }>(PY_OLD_WRITES, t.db);
    // The old tool's own query still sees what it expects.
    expect(old.unread).toEqual(['the zeppelin build is flaky again', 'standup moved to 10:30 — grüße from Zürich', 'old tool says: the capybara dashboard is live']);
    const inbox = json<Message[]>(btmsg(['inbox', '--json'], { db: t.db, as: 'bob' }));
    expect(inbox.at(-1)).toMatchObject({ id: old.id, from: 'alice', to: 'bob', content: 'old tool says: the capybara dashboard is live', state: 'delivered' });
    const hits = json<{ id: string; from: string }[]>(btmsg(['search', 'capybara', '--json'], { db: t.db, as: 'bob' }));
    expect(hits).toMatchObject([{ id: old.id, from: 'alice' }]);
    // A reply through btmsg threads onto the old tool's message.
    const reply = btmsg(['reply', old.id.slice(0, 8), 'thanks', '--json'], { db: t.db, as: 'bob' });
    expect(reply.code, reply.stderr).toBe(0);
    expect(json<Message>(reply)).toMatchObject({ to: 'alice', reply_to: old.id });
  });
});
