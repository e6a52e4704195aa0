import { describe, expect, it } from 'vitest';
import { type Message, ok, send, sql, useTeam } from './fixture.js';

// One seeded team per file, copied to a fresh database before each test.
const t = useTeam();

describe('btmsg reply and threads', () => {
  it('sends a reply back to the sender and acknowledges the original', () => {
    const q = send(t.alice, 'bob', 'can you take the login bug?');
    const r = ok<Message>(t.bob(['reply', q.id.slice(0, 8), 'yes,', 'on', 'it', '--json']));
    expect(r).toMatchObject({ from: 'bob', to: 'alice', content: 'yes, on it', reply_to: q.id, state: 'queued' });
    expect(ok<{ message: Message }>(t.bob(['show', q.id, '--json'])).message.state).toBe('acked');
    expect(ok<Message[]>(t.alice(['inbox', '--json'])).map((m) => [m.content, m.reply_to])).toEqual([['yes, on it', q.id]]);
  });

  it('prints what was replied to whom', () => {
    const q = send(t.alice, 'bob', 'status?');
    const r = t.bob(['reply', q.id, 'fine']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^replied [0-9a-f]{8} to alice\n$/);
  });

  it('sends a reply to a message one sent as a follow-up to its recipient', () => {
    const q = send(t.alice, 'bob', 'first try');
    const f = ok<Message>(t.alice(['reply', q.id, 'also, one more thing', '--json']));
    expect(f).toMatchObject({ from: 'alice', to: 'bob', reply_to: q.id });
    // A follow-up is not an acknowledgement of one's own message.
    expect(ok<{ message: Message }>(t.alice(['show', q.id, '--json'])).message.state).toBe('queued');
  });

  it('lets the recipient reply to a sender that is not one of its contacts', () => {
    const q = send(t.admin, 'carol', 'report in');
    expect(t.admin(['allow', 'boss', 'carol']).code).toBe(0);
    const b = send(t.boss, 'carol', 'and to me');
    expect(ok<Message>(t.carol(['reply', b.id, 'here', '--json'])).to).toBe('boss');
    expect(ok<Message>(t.carol(['reply', q.id, 'here too', '--json'])).to).toBe('admin');
  });

  it('refuses to reply to a message the agent cannot see', () => {
    const q = send(t.alice, 'bob', 'private');
    const r = t.carol(['reply', q.id, 'butting in']);
    expect(r.code).toBe(3);
    expect(ok<Message[]>(t.alice(['inbox', '--json']))).toEqual([]);
  });

  it('shows the whole thread from any message in it, oldest first', () => {
    const root = send(t.alice, 'bob', 'root question');
    const r1 = ok<Message>(t.bob(['reply', root.id, 'first answer', '--json']));
    const r2 = ok<Message>(t.alice(['reply', r1.id, 'follow-up question', '--json']));
    send(t.alice, 'bob', 'unrelated');

    for (const id of [root.id, r1.id, r2.id]) {
      const s = ok<{ message: Message; thread: Message[] }>(t.bob(['show', id, '--json']));
      expect(s.message.id).toBe(id);
      expect(s.thread.map((m) => m.content)).toEqual(['root question', 'first answer', 'follow-up question']);
    }
    const human = t.alice(['show', r1.id]);
    expect(human.stdout).toContain(`reply to ${root.id}`);
    expect(human.stdout).toMatch(/thread \(3 messages\)/);
    expect(human.stdout).toMatch(/▶ [0-9a-f]{8}.*first answer/);
  });

  it('leaves out of a thread the replies the viewer was not part of', () => {
    // The operator forwards bob's question to boss as a reply in the same thread.
    const q = send(t.bob, 'admin', 'question for the team');
    ok<Message>(t.admin(['reply', q.id, 'noted', '--json']));
    sql(t.db, (db) =>
      db
        .prepare(`INSERT INTO messages (id, from_agent, to_agent, content, reply_to, group_id) VALUES (?, 'admin', 'boss', 'forwarded', ?, 'demo')`)
        .run('f0000000-0000-4000-8000-000000000000', q.id),
    );
    expect(ok<{ thread: Message[] }>(t.bob(['show', q.id, '--json'])).thread.map((m) => m.content)).toEqual(['question for the team', 'noted']);
    expect(ok<{ thread: Message[] }>(t.admin(['show', q.id, '--json'])).thread).toHaveLength(3);
  });
});

describe('btmsg message ids', () => {
  const insert = (ids: string[]) =>
    sql(t.db, (db) => {
      const s = db.prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES (?, 'alice', 'bob', ?, 'demo')`);
      for (const id of ids) s.run(id, `message ${id.slice(0, 4)}`);
    });

  it('accepts a full id and its first eight characters', () => {
    const m = send(t.alice, 'bob', 'by id');
    expect(ok<Message>(t.bob(['read', m.id, '--json'])).id).toBe(m.id);
    expect(ok<Message>(t.bob(['ack', m.id.slice(0, 8), '--json'])).id).toBe(m.id);
  });

  it('refuses an ambiguous prefix with exit 2 and lists the candidates', () => {
    insert(['abc10000-0000-4000-8000-000000000001', 'abc20000-0000-4000-8000-000000000002']);
    const r = t.bob(['read', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ambiguous/);
    expect(r.stderr).toContain('abc10000');
    expect(r.stderr).toContain('abc20000');
    // Neither was marked seen.
    expect(ok<Message[]>(t.bob(['inbox', '--json'])).map((m) => m.state)).toEqual(['delivered', 'delivered']);
    // One more character settles it.
    expect(ok<Message>(t.bob(['read', 'abc2', '--json'])).content).toBe('message abc2');
  });

  it('resolves a prefix only among the messages the caller can see', () => {
    insert(['abc10000-0000-4000-8000-000000000001']);
    sql(t.db, (db) =>
      db
        .prepare(`INSERT INTO messages (id, from_agent, to_agent, content, group_id) VALUES (?, 'boss', 'carol', 'theirs', 'demo')`)
        .run('abc20000-0000-4000-8000-000000000002'),
    );
    expect(ok<{ message: Message }>(t.bob(['show', 'abc', '--json'])).message.content).toBe('message abc1');
    expect(t.admin(['show', 'abc']).code).toBe(2);
  });

  it('refuses an unknown id with exit 3 and an empty id with exit 2', () => {
    const unknown = t.bob(['read', 'deadbeef']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no message with id 'deadbeef'/);
    for (const verb of ['read', 'show', 'ack']) {
      const empty = t.bob([verb, '']);
      expect(empty.code, verb).toBe(2);
      expect(empty.stderr, verb).toMatch(/id is empty/);
    }
    expect(t.bob(['reply', ' ', 'hi']).code).toBe(2);
  });
});
