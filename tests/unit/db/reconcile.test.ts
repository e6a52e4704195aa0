import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/db/migrations/index.js';
import { reconcile } from '../../../src/db/migrations/reconcile.js';
import { type Db, openDb } from '../../../src/db/open.js';
import { tempDb } from '../../helpers/cli.js';
import { userError } from '../../helpers/errors.js';
import { legacyFixture as fixture } from '../../helpers/legacy.js';

const upTo = (v: number) => migrations.filter((m) => m.version <= v).map((m) => m.up);

describe('reconcile (migrations 1 and 6)', () => {
  let t: ReturnType<typeof tempDb>;
  const open: Db[] = [];
  const track = (db: Db) => (open.push(db), db);
  beforeEach(() => (t = tempDb()));
  afterEach(() => {
    for (const db of open.splice(0)) if (db.open) db.close();
    t.cleanup();
  });
  const raw = (fn: (d: Db) => void) => {
    const d = new Database(t.db);
    try {
      fn(d);
    } finally {
      d.close();
    }
  };

  it('finds nothing left to do on a file it has reconciled, whichever earlier program made it', () => {
    for (const file of ['1-btmsg-cli.sql', '4-cli-then-desktop.sql', '5-desktop-then-bttask.sql']) {
      t.cleanup();
      t = tempDb();
      raw((d) => d.exec(fixture(file)));
      const db = track(openDb({ path: t.db }));
      // Version 9 dropped version 5's message-wake trigger; all else of versions 1 to 6 is there.
      expect(reconcile(db, upTo(6)), file).toEqual({ tables: [], columns: [], indexes: [], triggers: ['messages_wake_ai'] });
      db.close();
    }
  });

  it('finds nothing to do on a file agor itself created', () => {
    const db = track(openDb({ path: t.db }));
    expect(reconcile(db, upTo(6))).toEqual({ tables: [], columns: [], indexes: [], triggers: ['messages_wake_ai'] });
  });

  it('adds a column whose default is the time of insert, fills the old rows, and fills rows the earlier tools insert without it', () => {
    // An older btmsg kept no created_at.
    raw((d) =>
      d.exec(`CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, group_id TEXT NOT NULL, tier INTEGER NOT NULL DEFAULT 2);
              CREATE TABLE messages (id TEXT PRIMARY KEY, from_agent TEXT NOT NULL, to_agent TEXT NOT NULL, content TEXT NOT NULL,
                read INTEGER DEFAULT 0, reply_to TEXT, group_id TEXT NOT NULL);
              INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES ('m1', 'a', 'b', 'old', 'g');`),
    );
    track(openDb({ path: t.db })).close();
    raw((d) => {
      d.prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES ('m2', 'a', 'b', 'new', 'g')`).run();
      const rows = d.prepare(`SELECT id, created_at FROM messages ORDER BY id`).all() as { id: string; created_at: string | null }[];
      for (const r of rows) expect(r.created_at, r.id).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect((d.pragma('table_info(agents)') as { name: string }[]).map((c) => c.name)).toEqual(
        expect.arrayContaining(['model', 'cwd', 'system_prompt', 'status', 'last_active_at', 'created_at', 'managed']),
      );
    });
  });

  it("keeps an earlier tool's index of agor's name on other columns, and adds agor's beside it once", () => {
    raw((d) => d.exec(fixture('3-desktop.sql')));
    const db = track(openDb({ path: t.db }));
    const sqlOf = (name: string) => (db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(name) as { sql: string } | undefined)?.sql;
    expect(sqlOf('idx_messages_to')).toBe('CREATE INDEX idx_messages_to ON messages(to_agent, read)');
    expect(sqlOf('agor_idx_messages_to')).toBe('CREATE INDEX agor_idx_messages_to ON messages(to_agent, created_at)');
    expect(sqlOf('agor_idx_task_comments_task')).toBe('CREATE INDEX agor_idx_task_comments_task ON task_comments(task_id, created_at)');
    expect(reconcile(db, upTo(6)).indexes).toEqual([]);
  });

  it('recreates a dropped full-text trigger and rebuilds the index over the rows it missed', () => {
    let db = track(openDb({ path: t.db }));
    db.close();
    raw((d) => {
      d.exec(`DROP TRIGGER messages_fts_ai`);
      d.prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES ('m1', 'admin', 'admin', 'the missed platypus', '*')`).run();
      d.pragma('user_version = 5');
    });
    db = track(openDb({ path: t.db }));
    expect(db.prepare(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'platypus'`).all()).toHaveLength(1);
    db.prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES ('m2', 'admin', 'admin', 'a later platypus', '*')`).run();
    expect(db.prepare(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'platypus'`).all()).toHaveLength(2);
  });

  it('refuses a view where a table belongs, naming it, and leaves the file unmigrated', () => {
    raw((d) => d.exec(`CREATE TABLE real_messages (id TEXT); CREATE VIEW messages AS SELECT id FROM real_messages;`));
    const err = userError(() => openDb({ path: t.db }));
    expect(err.message).toBe('messages in this database is a view, where agor expects a table');
    raw((d) => expect(d.pragma('user_version', { simple: true })).toBe(0));
  });

  it('migrates a file that already has some of the columns later migrations add', () => {
    raw((d) => {
      d.exec(fixture('3-desktop.sql'));
      d.exec(`ALTER TABLE messages ADD COLUMN flags TEXT; ALTER TABLE tasks ADD COLUMN open_deps INTEGER NOT NULL DEFAULT 0`);
    });
    const db = track(openDb({ path: t.db }));
    const cols = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
    expect(cols('messages').filter((c) => c === 'flags')).toHaveLength(1);
    expect(cols('tasks')).toEqual(expect.arrayContaining(['version', 'open_deps']));
  });
});
