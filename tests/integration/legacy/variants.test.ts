import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEGACY_TABLES } from '../../../src/db/migrations/0001-legacy.js';
import { messaging } from '../../../src/db/migrations/0002-messaging.js';
import { board } from '../../../src/db/migrations/0003-board.js';
import { ready } from '../../../src/db/migrations/0004-ready.js';
import { supervisor } from '../../../src/db/migrations/0005-supervisor.js';
import { LATEST_VERSION } from '../../../src/db/migrations/index.js';
import { type RunOptions, btmsg, json, ok, run, sql, tempDb } from '../../helpers/cli.js';
import { LEGACY_TABLE_NAMES, legacyFixture as fixture } from '../../helpers/legacy.js';

/**
 * The five kinds of btmsg.db the earlier tools left behind (see tests/fixtures/legacy: each
 * numbered file is what the earlier programs ran, in order, its `-- include:` lines naming the
 * program steps, each written once in its own file there; fixture() expands them).
 */
interface Variant {
  file: string;
  title: string;
  /** Which earlier programs keep using the file afterwards. */
  btmsgCli: boolean;
  bttaskCli: boolean;
  desktop: boolean;
}

const VARIANTS: Variant[] = [
  { file: '1-btmsg-cli.sql', title: 'made by the btmsg CLI alone', btmsgCli: true, bttaskCli: false, desktop: false },
  { file: '2-btmsg-bttask-cli.sql', title: 'made by the btmsg and bttask CLIs', btmsgCli: true, bttaskCli: true, desktop: false },
  { file: '3-desktop.sql', title: 'made by the desktop app alone', btmsgCli: false, bttaskCli: false, desktop: true },
  { file: '4-cli-then-desktop.sql', title: 'made by the btmsg CLI, then opened by the desktop app', btmsgCli: true, bttaskCli: false, desktop: true },
  { file: '5-desktop-then-bttask.sql', title: 'made by the desktop app, then opened by the bttask CLI', btmsgCli: false, bttaskCli: true, desktop: true },
];

/** The fixture's CREATE and ALTER statements: what each earlier program runs on every open. */
const schemaStatements = (file: string) =>
  fixture(file)
    .split(/;\s*\n/)
    .map((s) => s.replace(/^(\s*--.*\n)*/g, '').trim())
    .filter((s) => /^(CREATE|ALTER)\b/.test(s));

type Rows = Record<string, { columns: string[]; rows: unknown[][] }>;

/** Every legacy table's rows, in the columns it has now (or in `like`'s columns). */
function legacyRows(db: string, like?: Rows): Rows {
  return sql(db, (d) => {
    const out: Rows = {};
    for (const t of LEGACY_TABLE_NAMES) {
      const columns = like ? like[t]?.columns : (d.pragma(`table_info(${t})`) as { name: string }[]).map((c) => c.name);
      if (!columns?.length) continue;
      out[t] = {
        columns,
        rows: d
          .prepare(`SELECT ${columns.join(', ')} FROM ${t} ORDER BY rowid`)
          .raw()
          .all() as unknown[][],
      };
    }
    return out;
  });
}

const bttask = (args: string[], o: RunOptions = {}) => run('bttask', args, o);

interface Message {
  id: string;
  from: string;
  to: string;
  content: string;
  state: string;
  reply_to: string | null;
}
interface Task {
  id: string;
  title: string;
  status: string;
  priority: string;
  assigned_to: string | null;
  version: number;
}

describe.each(VARIANTS)('a btmsg.db $title', (v) => {
  let t: ReturnType<typeof tempDb>;
  let before: Rows;
  beforeEach(() => {
    t = tempDb();
    sql(t.db, (d) => {
      // The desktop app wrote with foreign keys on; the fixtures hold to them.
      d.pragma('foreign_keys = ON');
      d.exec(fixture(v.file));
    });
    before = legacyRows(t.db);
  });
  afterEach(() => t.cleanup());

  const m = (as: string, args: string[]) => btmsg(args, { db: t.db, as });
  const b = (as: string, args: string[]) => bttask(args, { db: t.db, as });
  const version = () => sql(t.db, (d) => d.pragma('user_version', { simple: true }));

  it('migrates to the latest schema without losing or changing an old row, and again changes nothing', () => {
    expect(version()).toBe(0);
    ok(m('admin', ['status', '--json']));
    expect(version()).toBe(LATEST_VERSION);
    expect(legacyRows(t.db, before)).toEqual(before);
    // Every column and table agor uses is there now.
    const cols = (table: string) => sql(t.db, (d) => (d.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    expect(cols('messages')).toEqual(expect.arrayContaining(['sender_group_id', 'read', 'delivered_at', 'seen_at', 'acked_at', 'flags']));
    expect(cols('tasks')).toEqual(expect.arrayContaining(['version', 'open_deps']));
    for (const table of LEGACY_TABLE_NAMES) expect(cols(table).length, table).toBeGreaterThan(0);
    ok(m('admin', ['status', '--json']));
    expect(legacyRows(t.db, before)).toEqual(before);
  });

  it('shows the old unread mail as new, read mail as seen, and the old channels, tasks, comments, dead letters and audit entries', () => {
    const unread = sql(t.db, (d) => d.prepare(`SELECT to_agent, id FROM messages WHERE read = 0 ORDER BY created_at, rowid`).all()) as {
      to_agent: string;
      id: string;
    }[];
    const read = sql(t.db, (d) => d.prepare(`SELECT to_agent, id FROM messages WHERE read = 1`).all()) as { to_agent: string; id: string }[];
    expect(unread.length).toBeGreaterThan(0);
    for (const to of new Set(unread.map((u) => u.to_agent))) {
      expect(
        ok<Message[]>(m(to, ['inbox', '--json'])).map((x) => x.id),
        to,
      ).toEqual(unread.filter((u) => u.to_agent === to).map((u) => u.id));
    }
    for (const r of read) {
      const all = ok<Message[]>(m(r.to_agent, ['inbox', '--all', '--json']));
      expect(all.find((x) => x.id === r.id)?.state, r.id).toBe('seen');
    }

    const posts = sql(t.db, (d) =>
      d
        .prepare(
          `SELECT c.name, m.content, (SELECT agent_id FROM channel_members WHERE channel_id = c.id LIMIT 1) AS member
                 FROM channel_messages m JOIN channels c ON c.id = m.channel_id ORDER BY m.created_at`,
        )
        .all(),
    ) as { name: string; content: string; member: string }[];
    for (const p of posts) {
      expect(ok<{ content: string }[]>(m(p.member, ['channel', 'history', p.name, '--json'])).map((x) => x.content)).toContain(p.content);
    }
    const channels = ok<{ name: string }[]>(m('admin', ['channel', 'list', '--json'])).map((c) => c.name);
    expect(channels).toEqual(expect.arrayContaining(before.channels!.rows.map((r) => r[1])));

    const tasks = before.tasks?.rows ?? [];
    const listed = ok<Task[]>(b('admin', ['list', '--all', '--json']));
    expect(listed.map((x) => x.id).sort()).toEqual(tasks.map((r) => r[0]).sort());
    for (const c of before.task_comments?.rows ?? []) {
      const shown = ok<{ comments: { content: string }[] }>(b('admin', ['show', String(c[1]), '--json']));
      expect(shown.comments.map((x) => x.content)).toContain(c[3]);
    }

    const dead = ok<{ content: string }[]>(m('admin', ['dlq', 'list', '--json'])).map((d) => d.content);
    expect(dead).toEqual((before.dead_letter_queue?.rows ?? []).map((r) => r[3]));
    const audit = ok<{ type: string }[]>(m('admin', ['audit', '--json'])).map((a) => a.type);
    expect(audit.slice(0, before.audit_log?.rows.length ?? 0)).toEqual((before.audit_log?.rows ?? []).map((r) => r[2]));
    if (v.desktop) {
      const alice = ok<{ id: string; liveness: string }[]>(m('admin', ['status', '--json'])).find((a) => a.id === 'alice');
      expect(alice?.liveness).toBe('alive');
    }
  });

  it('runs every btmsg verb on it', () => {
    // The earlier setup scripts' registration of the operator goes through.
    ok(m('admin', ['register', 'admin', 'Operator', 'admin', 'demo', '--tier', '0', '--json']));
    ok(m('admin', ['register', 'carol', 'Carol', 'project', 'demo', '--json']));
    ok(m('admin', ['allow', 'carol', 'alice', '-b', '--json']));
    const sent = ok<Message>(m('boss', ['send', 'alice', 'the', 'ibis', 'rollout', 'starts', 'monday', '--json']));
    expect(sent).toMatchObject({ from: 'boss', to: 'alice', state: 'queued' });
    expect(ok<Message[]>(m('alice', ['inbox', '--json'])).map((x) => x.id)).toContain(sent.id);
    expect(m('alice', ['unread']).code).toBe(0);
    expect(ok<Message>(m('alice', ['read', sent.id, '--json']))).toMatchObject({ id: sent.id, state: 'seen' });
    const reply = ok<Message>(m('alice', ['reply', sent.id, 'ibis', 'noted', '--json']));
    expect(reply).toMatchObject({ to: 'boss', reply_to: sent.id });
    expect(ok<{ state: string }>(m('boss', ['ack', reply.id, '--json'])).state).toBe('acked');
    ok(m('boss', ['show', reply.id, '--json']));
    expect(ok<Message[]>(m('boss', ['history', 'alice', '--json'])).map((x) => x.id)).toEqual(expect.arrayContaining([sent.id, reply.id]));
    expect(ok<{ id: string }[]>(m('admin', ['feed', '--json'])).map((x) => x.id)).toEqual(expect.arrayContaining([sent.id, reply.id]));
    expect(
      ok<{ id: string }[]>(m('admin', ['search', 'ibis', '--json']))
        .map((x) => x.id)
        .sort(),
    ).toEqual([sent.id, reply.id].sort());
    ok(m('carol', ['send', 'alice', 'hello', 'from', 'carol', '--json']));

    ok(m('admin', ['channel', 'create', 'ops', 'alice', 'boss', '--json']));
    ok(m('admin', ['channel', 'add', 'ops', 'carol', '--json']));
    ok(m('alice', ['channel', 'send', 'ops', 'deploying', 'the', 'heron', '--json']));
    expect(ok<{ content: string }[]>(m('carol', ['channel', 'history', 'ops', '--json'])).map((x) => x.content)).toEqual(['deploying the heron']);
    ok(m('admin', ['channel', 'list', '--json']));
    for (const name of before.channels!.rows.map((r) => String(r[1]))) {
      // Posting to an old channel: the operator adds itself as a member first.
      ok(m('admin', ['channel', 'add', name, 'admin', '--json']));
      ok(m('admin', ['channel', 'send', name, 'operator', 'was', 'here', '--json']));
    }

    expect(ok<{ agent: string }>(m('bob', ['heartbeat', '--json'])).agent).toBe('bob');
    ok(m('admin', ['status', '--json']));
    ok(m('admin', ['contacts', '--json']));
    ok(m('alice', ['contacts', '--json']));
    ok(m('alice', ['whoami', '--json']));
    ok(m('admin', ['graph', '--json']));
    expect(m('alice', ['notify']).code).toBe(0);
    const dead = ok<{ id: number }[]>(m('admin', ['dlq', 'list', '--json']));
    if (dead.length) ok(m('admin', ['dlq', 'requeue', String(dead[0]!.id), '--json']));
    ok(m('admin', ['dlq', 'purge', '--json']));
    expect(ok<{ type: string }[]>(m('admin', ['audit', '--json'])).map((a) => a.type)).toEqual(expect.arrayContaining(['message_sent', 'channel_created']));
    // A wait that finds mail already there returns it at once.
    ok(m('carol', ['send', 'alice', 'one', 'more', '--json']));
    expect(m('alice', ['wait', '--timeout', '20s', '--json']).code).toBe(0);
  });

  it('runs every bttask verb on it, on new tasks and old ones', () => {
    const added = ok<Task>(b('boss', ['add', 'Write', 'the', 'docs', '-p', 'high', '-d', 'for the ibis rollout', '--json']));
    const second = ok<Task>(b('boss', ['add', 'Review', 'the', 'docs', '--json']));
    expect(ok<Task[]>(b('boss', ['list', '--json'])).map((x) => x.id)).toEqual(expect.arrayContaining([added.id, second.id]));
    ok(b('boss', ['board', '--json']));
    ok(b('boss', ['dep', 'add', second.id, added.id, '--json']));
    expect(ok<Task[]>(b('boss', ['ready', '--json'])).map((x) => x.id)).not.toContain(second.id);
    ok(b('boss', ['dep', 'rm', second.id, added.id, '--json']));
    ok(b('boss', ['dep', 'add', second.id, added.id, '--json']));
    const claimed = ok<Task>(b('alice', ['claim', added.id, '--json']));
    expect(claimed).toMatchObject({ id: added.id, assigned_to: 'alice' });
    ok(b('alice', ['renew', added.id, '--json']));
    ok(b('alice', ['comment', added.id, 'halfway', 'through', '--json']));
    ok(b('alice', ['release', added.id, '--json']));
    ok(b('boss', ['assign', added.id, 'alice', '--json']));
    ok(b('alice', ['status', added.id, 'progress', '--json']));
    ok(b('alice', ['status', added.id, 'review', '--json']));
    expect(b('boss', ['review-count']).stdout.trim()).not.toBe('');
    ok(b('boss', ['status', added.id, 'done', '--json']));
    expect(ok<Task[]>(b('boss', ['ready', '--json'])).map((x) => x.id)).toContain(second.id);
    expect(ok<{ task_id: string }[]>(b('boss', ['search', 'ibis', '--json'])).map((x) => x.task_id)).toContain(added.id);
    expect(ok<{ changes: unknown[] }>(b('boss', ['history', added.id, '--json'])).changes.length).toBeGreaterThan(0);
    ok(b('boss', ['priorities', second.id, '--json']));
    ok(b('boss', ['show', added.id, '--json']));

    // The old tasks: a status change (a compare-and-swap on the version the migration
    // gave them), a comment, and deleting one with its comments.
    for (const row of before.tasks?.rows ?? []) {
      const id = String(row[0]);
      const shown = ok<{ task: Task }>(b('boss', ['show', id, '--json'])).task;
      const to = shown.status === 'blocked' ? 'todo' : 'blocked';
      expect(ok<Task>(b('boss', ['status', id, to, '-m', 'checked after the move to agor', '--json']))).toMatchObject({ status: to, version: shown.version + 1 });
      ok(b('boss', ['comment', id, 'seen', 'by', 'agor', '--json']));
    }
    const withComments = before.task_comments?.rows[0]?.[1];
    if (withComments) {
      ok(b('boss', ['delete', String(withComments), '--json']));
      expect(b('boss', ['show', String(withComments), '--json']).code).toBe(3);
    }
    ok(b('boss', ['delete', second.id, '--json']));
  });

  it('keeps working for the earlier tools, and agor reads what they write', () => {
    ok(m('admin', ['status', '--json']));
    const ids = { msg: 'f0000000-0000-4000-8000-000000000001', msg2: 'f0000000-0000-4000-8000-000000000002', task: 'f0000000-0000-4000-8000-000000000003' };
    const old = sql(t.db, (d) => {
      // Each earlier program re-runs its CREATE ... IF NOT EXISTS statements on every open,
      // and the desktop app its ALTER TABLE, ignoring "duplicate column".
      for (const s of schemaStatements(v.file)) tryDuplicate(d, s);
      if (v.desktop) {
        tryDuplicate(d, 'ALTER TABLE messages ADD COLUMN sender_group_id TEXT');
        d.pragma('foreign_keys = ON');
        d.prepare(
          `INSERT INTO messages (id, from_agent, to_agent, content, group_id, sender_group_id) VALUES (?, 'boss', 'alice', 'desktop says: the capybara dashboard is live', 'demo', (SELECT group_id FROM agents WHERE id = 'boss'))`,
        ).run(ids.msg);
        d.prepare(
          `INSERT INTO heartbeats (agent_id, timestamp) VALUES ('bob', unixepoch()) ON CONFLICT(agent_id) DO UPDATE SET timestamp = excluded.timestamp`,
        ).run();
        d.prepare(`INSERT INTO dead_letter_queue (from_agent, to_agent, content, error) VALUES ('boss', 'bob', 'desktop dead letter', 'stale')`).run();
        d.prepare(`INSERT INTO audit_log (agent_id, event_type, detail) VALUES ('admin', 'desktop_event', 'from the app')`).run();
        d.prepare(`INSERT OR IGNORE INTO seen_messages (session_id, message_id) VALUES ('sess-2', ?)`).run(ids.msg);
        d.pragma('foreign_keys = OFF');
      }
      if (v.btmsgCli) {
        d.prepare(
          `INSERT INTO messages (id, from_agent, to_agent, content, reply_to, group_id) VALUES (?, 'boss', 'alice', 'cli says: the capybara build is green', NULL, 'demo')`,
        ).run(ids.msg2);
      }
      if (v.bttaskCli) {
        const cols = (d.pragma('table_info(tasks)') as { name: string }[]).map((c) => c.name);
        if (!cols.includes('version')) d.exec('ALTER TABLE tasks ADD COLUMN version INTEGER DEFAULT 1');
        d.prepare(
          `INSERT INTO tasks (id, title, description, priority, assigned_to, created_by, group_id, parent_task_id, sort_order) VALUES (?, 'Old tool task about the capybara', '', 'high', NULL, 'boss', 'demo', NULL, 99)`,
        ).run(ids.task);
        const moved = d
          .prepare(`UPDATE tasks SET status = 'blocked', version = version + 1, updated_at = datetime('now') WHERE id = ? AND version = ?`)
          .run(ids.task, 1);
        expect(moved.changes).toBe(1);
        d.prepare(
          `INSERT INTO task_comments (id, task_id, agent_id, content) VALUES ('f0000000-0000-4000-8000-000000000004', ?, 'boss', 'Status: todo → blocked')`,
        ).run(ids.task);
      }
      // What every earlier program reads: unread mail by the read flag.
      return d.prepare(`SELECT id FROM messages WHERE to_agent = 'alice' AND read = 0 ORDER BY created_at, rowid`).all() as { id: string }[];
    });
    const written = [v.desktop && ids.msg, v.btmsgCli && ids.msg2].filter(Boolean) as string[];
    expect(old.map((r) => r.id)).toEqual(expect.arrayContaining(written));

    // agor reads them: inbox, search, and a reply threads onto them.
    const inbox = ok<Message[]>(m('alice', ['inbox', '--json']));
    expect(inbox.map((x) => x.id)).toEqual(expect.arrayContaining(written));
    expect(
      ok<{ id: string }[]>(m('alice', ['search', 'capybara', '--json']))
        .map((x) => x.id)
        .sort(),
    ).toEqual([...written].sort());
    // The old tool marks mail read its way; agor counts it as seen.
    sql(t.db, (d) => d.prepare(`UPDATE messages SET read = 1 WHERE id = ?`).run(written[0]));
    expect(ok<Message[]>(m('alice', ['inbox', '--all', '--json'])).find((x) => x.id === written[0])?.state).toBe('seen');
    expect(ok<Message>(m('alice', ['reply', written[0]!, 'thanks', '--json']))).toMatchObject({ to: 'boss', reply_to: written[0] });
    if (v.desktop) {
      expect(ok<{ content: string }[]>(m('admin', ['dlq', 'list', '--json'])).map((x) => x.content)).toContain('desktop dead letter');
      expect(ok<{ type: string }[]>(m('admin', ['audit', '--json'])).map((x) => x.type)).toContain('desktop_event');
    }
    if (v.bttaskCli) {
      const shown = ok<{ task: Task; comments: { content: string }[] }>(b('boss', ['show', ids.task, '--json']));
      expect(shown.task).toMatchObject({ status: 'blocked', version: 2, priority: 'high' });
      expect(shown.comments.map((c) => c.content)).toContain('Status: todo → blocked');
      expect(ok<Task>(b('boss', ['status', ids.task, 'todo', '--json']))).toMatchObject({ status: 'todo', version: 3 });
      expect(ok<{ task_id: string }[]>(b('boss', ['search', 'capybara', '--json'])).map((x) => x.task_id)).toContain(ids.task);
    }
    // And the schema is still current: nothing the earlier tools did made agor migrate again.
    expect(version()).toBe(LATEST_VERSION);
  });
});

/** Runs a statement as the earlier programs did: an ALTER TABLE ADD COLUMN may find the column there. */
function tryDuplicate(d: Database.Database, statement: string): void {
  try {
    d.exec(statement);
  } catch (e) {
    expect(statement).toMatch(/^ALTER TABLE/);
    expect(String((e as Error).message)).toMatch(/duplicate column name/);
  }
}

describe('a btmsg.db that an earlier agor migrated to version 5', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => (t = tempDb()));
  afterEach(() => t.cleanup());

  /** What agor did before version 6: each table created if missing, columns never added. */
  function migrateTo5TheOldWay(file: string): void {
    sql(t.db, (d) => {
      d.exec(fixture(file));
      d.exec(LEGACY_TABLES);
      for (const up of [messaging.up, board.up, ready.up, supervisor.up]) {
        if (typeof up === 'string') d.exec(up);
        else up(d);
      }
      d.pragma('user_version = 5');
    });
  }

  it('gains the columns it lacked: a CLI-made file can send, a desktop-made one can use the board', () => {
    migrateTo5TheOldWay('1-btmsg-cli.sql');
    const r = btmsg(['send', 'alice', 'hello', 'again', '--json'], { db: t.db, as: 'boss' });
    expect(r.code, r.stderr).toBe(0);
    expect(json<Message>(r)).toMatchObject({ from: 'boss', to: 'alice', state: 'queued' });
    expect(sql(t.db, (d) => d.pragma('user_version', { simple: true }))).toBe(LATEST_VERSION);

    t.cleanup();
    t = tempDb();
    migrateTo5TheOldWay('3-desktop.sql');
    const added = bttask(['add', 'Board', 'works', '--json'], { db: t.db, as: 'boss' });
    expect(added.code, added.stderr).toBe(0);
    const claimed = bttask(['claim', json<Task>(added).id, '--json'], { db: t.db, as: 'alice' });
    expect(claimed.code, claimed.stderr).toBe(0);
    // The desktop app's old tasks got version 1, so a compare-and-swap on them works.
    expect(ok<Task>(bttask(['status', 'b0000000-0000-4000-8000-000000000011', 'blocked', '--json'], { db: t.db, as: 'boss' }))).toMatchObject({
      status: 'blocked',
      version: 2,
    });
  });
});

describe('a btmsg.db whose schema agor cannot use', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => (t = tempDb()));
  afterEach(() => t.cleanup());

  it('names the table and the column when a column was removed after the migration, exit 1, not an internal error', () => {
    sql(t.db, (d) => d.exec(fixture('3-desktop.sql')));
    ok(btmsg(['status', '--json'], { db: t.db }));
    sql(t.db, (d) => d.exec('ALTER TABLE messages DROP COLUMN sender_group_id; ALTER TABLE tasks DROP COLUMN version'));
    const send = btmsg(['send', 'alice', 'hi'], { db: t.db, as: 'boss' });
    expect(send.code).toBe(1);
    expect(send.stderr.split('\n')[0]).toBe('btmsg: database schema mismatch: table messages has no column sender_group_id');
    expect(send.stderr).toMatch(/hint: .*sqlite3 FILE '\.schema messages'/);
    const claim = bttask(['claim', '--json'], { db: t.db, as: 'alice' });
    expect(claim.code).toBe(1);
    expect((JSON.parse(claim.stderr) as { error: { message: string } }).error.message).toBe('database schema mismatch: table tasks has no column version');
    expect(send.stderr + claim.stderr).not.toMatch(/internal error/);
  });

  it('refuses to migrate a table that lacks a column the migration cannot add, naming both, and leaves the file as it was', () => {
    sql(t.db, (d) => {
      d.exec(fixture('1-btmsg-cli.sql'));
      // A table an earlier script altered by hand: the message body is gone.
      d.exec(`CREATE TABLE m2 (id TEXT PRIMARY KEY, from_agent TEXT NOT NULL, to_agent TEXT NOT NULL, read INTEGER DEFAULT 0, group_id TEXT NOT NULL);
              INSERT INTO m2 SELECT id, from_agent, to_agent, read, group_id FROM messages;
              DROP TABLE messages; ALTER TABLE m2 RENAME TO messages;`);
    });
    const before = legacyRows(t.db);
    const r = btmsg(['status'], { db: t.db });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('btmsg: table messages of this database has no column content, and agor cannot add it (it is NOT NULL without a default)');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(sql(t.db, (d) => d.pragma('user_version', { simple: true }))).toBe(0);
    expect(legacyRows(t.db)).toEqual(before);
  });
});

describe('a database agor created', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => (t = tempDb()));
  afterEach(() => t.cleanup());

  it('stays usable by each earlier program opening it: their statements on open, their inserts, their unread query', () => {
    ok(btmsg(['register', 'boss', 'Boss', 'manager', 'demo', '--json'], { db: t.db }));
    ok(btmsg(['register', 'alice', 'Alice', 'project', 'demo', '--json'], { db: t.db }));
    const unread = sql(t.db, (d) => {
      for (const v of VARIANTS) {
        for (const s of schemaStatements(v.file)) tryDuplicate(d, s);
      }
      d.prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES ('f1', 'boss', 'alice', 'cli says: the okapi is fed', 'demo')`).run();
      d.prepare(
        `INSERT INTO messages (id, from_agent, to_agent, content, group_id, sender_group_id) VALUES ('f2', 'boss', 'alice', 'desktop says: the okapi sleeps', 'demo', 'demo')`,
      ).run();
      d.prepare(`INSERT INTO tasks (id, title, created_by, group_id) VALUES ('f3', 'Feed the okapi', 'boss', 'demo')`).run();
      return d.prepare(`SELECT id FROM messages WHERE to_agent = 'alice' AND read = 0 ORDER BY rowid`).all() as { id: string }[];
    });
    expect(unread.map((r) => r.id)).toEqual(['f1', 'f2']);
    expect(ok<Message[]>(btmsg(['inbox', '--json'], { db: t.db, as: 'alice' })).map((x) => x.id)).toEqual(['f1', 'f2']);
    expect(
      ok<{ id: string }[]>(btmsg(['search', 'okapi', '--json'], { db: t.db, as: 'alice' }))
        .map((x) => x.id)
        .sort(),
    ).toEqual(['f1', 'f2']);
    expect(ok<Task>(bttask(['claim', 'f3', '--json'], { db: t.db, as: 'alice' }))).toMatchObject({ id: 'f3', assigned_to: 'alice' });
  });
});
