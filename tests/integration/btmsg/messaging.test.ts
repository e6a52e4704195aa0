import { describe, expect, it } from 'vitest';
import { type Message, auditLog, count, ok, send, useTeam } from './fixture.js';

// One seeded team per file, copied to a fresh database before each test.
const t = useTeam();

describe('btmsg send, inbox, read and ack', () => {
  it('joins the words of a message with single spaces', () => {
    const m = ok<Message>(t.alice(['send', 'bob', 'deploy', 'is', 'green', '--json']));
    expect(m).toMatchObject({ from: 'alice', to: 'bob', content: 'deploy is green', state: 'queued', flags: [] });
  });

  it('keeps the spacing inside one quoted word and a lone dash among words', () => {
    const m = ok<Message>(t.alice(['send', 'bob', 'a  b', '5', '-', '3', '--json']));
    expect(m.content).toBe('a  b 5 - 3');
  });

  it('prints the short id and the recipient when a message is sent', () => {
    const r = t.alice(['send', 'bob', 'hello']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sent [0-9a-f]{8} to bob\n$/);
  });

  it('moves a message through queued, delivered, seen and acked', () => {
    const m = send(t.alice, 'bob', 'please review');
    expect(m.state).toBe('queued');
    expect(m.delivered_at).toBeNull();

    const inbox = ok<Message[]>(t.bob(['inbox', '--json']));
    expect(inbox.map((x) => [x.id, x.state])).toEqual([[m.id, 'delivered']]);
    expect(inbox[0]!.delivered_at).not.toBeNull();

    const read = ok<Message>(t.bob(['read', m.id, '--json']));
    expect(read.state).toBe('seen');
    expect(read.seen_at).not.toBeNull();

    const acked = ok<Message>(t.bob(['ack', m.id, '--json']));
    expect(acked.state).toBe('acked');
    expect(acked.acked_at).not.toBeNull();

    // The sender sees the same state.
    expect(ok<{ message: Message }>(t.alice(['show', m.id, '--json'])).message.state).toBe('acked');
  });

  it('lists only unread messages in the inbox, and read ones too with --all', () => {
    const first = send(t.alice, 'bob', 'first');
    const second = send(t.boss, 'bob', 'second');
    expect(t.bob(['read', first.id]).code).toBe(0);

    expect(ok<Message[]>(t.bob(['inbox', '--json'])).map((m) => m.content)).toEqual(['second']);
    const all = ok<Message[]>(t.bob(['inbox', '--all', '--json']));
    expect(all.map((m) => [m.content, m.state])).toEqual([
      ['first', 'seen'],
      ['second', 'delivered'],
    ]);
    expect(all.map((m) => m.id)).toEqual([first.id, second.id]);
  });

  it('shows the oldest unread messages up to --limit and says how many more wait', () => {
    for (const text of ['one', 'two', 'three']) send(t.alice, 'bob', text);
    expect(ok<Message[]>(t.bob(['inbox', '--limit', '2', '--json'])).map((m) => m.content)).toEqual(['one', 'two']);
    const human = t.bob(['inbox', '-n', '1']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('one');
    expect(human.stdout).not.toContain('three');
    expect(human.stdout).toMatch(/2 more unread/);
  });

  it('says so when the inbox is empty', () => {
    const r = t.bob(['inbox']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no unread messages/);
    expect(ok<Message[]>(t.bob(['inbox', '--json']))).toEqual([]);
  });

  it('prints the whole message with headers when it is read', () => {
    const m = send(t.alice, 'bob', 'the build on main is red');
    const r = t.bob(['read', m.id.slice(0, 8)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`id       ${m.id}`);
    expect(r.stdout).toMatch(/from\s+alice/);
    expect(r.stdout).toMatch(/state\s+seen/);
    expect(r.stdout).toContain('the build on main is red');
    expect(r.stdout).not.toMatch(/prompt injection/);
  });

  it('counts unread messages until they are read, not merely listed', () => {
    const a = send(t.alice, 'bob', 'a');
    send(t.boss, 'bob', 'b');
    expect(ok<{ unread: number }>(t.bob(['unread', '--json']))).toEqual({ unread: 2 });
    t.bob(['inbox']);
    expect(t.bob(['unread']).stdout).toBe('2\n');
    t.bob(['read', a.id]);
    expect(t.bob(['unread']).stdout).toBe('1\n');
  });

  it('lets only the recipient acknowledge a message', () => {
    const m = send(t.alice, 'bob', 'ack me');
    const bySender = t.alice(['ack', m.id]);
    expect(bySender.code).toBe(4);
    expect(bySender.stderr).toMatch(/only the recipient/);
    // A third party cannot even see it.
    expect(t.carol(['ack', m.id]).code).toBe(3);
    expect(ok<{ message: Message }>(t.alice(['show', m.id, '--json'])).message.state).toBe('queued');
  });

  it('accepts a second ack of the same message and says it was already acked', () => {
    const m = send(t.alice, 'bob', 'twice');
    expect(t.bob(['ack', m.id]).stdout).toMatch(/^acked [0-9a-f]{8}/);
    const again = t.bob(['ack', m.id]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already acked/);
    expect(auditLog(t.admin).filter((e) => e.type === 'message_acked')).toHaveLength(1);
  });

  it('shows a message and its state without changing it', () => {
    const m = send(t.alice, 'bob', 'look but do not touch');
    const before = auditLog(t.admin).length;
    const shown = ok<{ message: Message; thread: Message[] }>(t.bob(['show', m.id, '--json']));
    expect(shown.message).toMatchObject({ id: m.id, state: 'queued', content: 'look but do not touch' });
    expect(shown.thread.map((x) => x.id)).toEqual([m.id]);
    const human = t.bob(['show', m.id]);
    expect(human.stdout).toMatch(/state\s+queued/);
    expect(ok<{ message: Message }>(t.bob(['show', m.id, '--json'])).message.state).toBe('queued');
    expect(auditLog(t.admin)).toHaveLength(before);
  });
});

describe('btmsg contacts and recipients', () => {
  it('refuses a message to an agent that is not a contact and stores nothing', () => {
    const r = t.alice(['send', 'carol', 'psst']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/alice may not message carol: not a contact/);
    expect(r.stderr).toMatch(/btmsg allow alice carol/);
    expect(r.stdout).toBe('');
    expect(count(t.db, 'messages')).toBe(0);
    expect(ok<Message[]>(t.carol(['inbox', '--json']))).toEqual([]);
    expect(auditLog(t.admin).some((e) => e.type === 'message_sent')).toBe(false);
  });

  it('lets the operator message an agent that has no contacts', () => {
    const m = send(t.admin, 'carol', 'welcome aboard');
    expect(m.from).toBe('admin');
    expect(ok<Message[]>(t.carol(['inbox', '--json'])).map((x) => x.content)).toEqual(['welcome aboard']);
  });

  it('lets any agent message the operator without a contact', () => {
    send(t.carol, 'admin', 'I am stuck');
    expect(ok<Message[]>(t.admin(['inbox', '--json'])).map((x) => [x.from, x.content])).toEqual([['carol', 'I am stuck']]);
  });

  it('follows the direction of a one-way contact', () => {
    expect(t.admin(['allow', 'carol', 'alice']).code).toBe(0);
    send(t.carol, 'alice', 'one way');
    expect(t.alice(['send', 'carol', 'other way']).code).toBe(4);
  });

  it('refuses an unknown recipient with exit 3 and stores nothing', () => {
    const r = t.alice(['send', 'nobody', 'hello?']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown recipient 'nobody'/);
    expect(count(t.db, 'messages')).toBe(0);
    expect(count(t.db, 'dead_letter_queue')).toBe(0);
  });

  it('refuses a recipient id that is not a valid agent id', () => {
    const r = t.alice(['send', '../etc', 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid recipient id/);
  });

  it('refuses a message to oneself with exit 2', () => {
    const r = t.alice(['send', 'alice', 'note to self']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/yourself/);
    expect(count(t.db, 'messages')).toBe(0);
  });
});

describe('btmsg history and feed', () => {
  it('shows the conversation with one agent in both directions, oldest first', () => {
    send(t.alice, 'bob', 'ping');
    send(t.boss, 'bob', 'unrelated');
    send(t.bob, 'alice', 'pong');
    const h = ok<Message[]>(t.bob(['history', 'alice', '--json']));
    expect(h.map((m) => [m.from, m.content])).toEqual([
      ['alice', 'ping'],
      ['bob', 'pong'],
    ]);
    const human = t.bob(['history', 'alice']);
    expect(human.stdout).toMatch(/← alice.*ping/);
    expect(human.stdout).toMatch(/→ alice.*pong/);
  });

  it('keeps the newest messages of a history when --limit cuts it', () => {
    for (const text of ['1', '2', '3']) send(t.alice, 'bob', text);
    expect(ok<Message[]>(t.alice(['history', 'bob', '--limit', '2', '--json'])).map((m) => m.content)).toEqual(['2', '3']);
  });

  it('refuses the history with an unknown agent', () => {
    expect(t.alice(['history', 'ghost']).code).toBe(3);
  });

  it('shows the direct and channel traffic an agent takes part in, and all of it to the operator', () => {
    send(t.alice, 'bob', 'to bob');
    send(t.boss, 'alice', 'to alice');
    send(t.boss, 'bob', 'boss to bob');
    expect(t.alice(['channel', 'create', 'ops', 'bob']).code).toBe(0);
    expect(t.bob(['channel', 'send', 'ops', 'deploying now']).code).toBe(0);

    const mine = ok<{ kind: string; content: string }[]>(t.alice(['feed', '--json']));
    // Direct messages keep their order; times have one-second resolution, so where the
    // channel post falls among them is not asserted.
    expect(mine.filter((i) => i.kind === 'message').map((i) => i.content)).toEqual(['to bob', 'to alice']);
    expect(mine.filter((i) => i.kind === 'channel').map((i) => i.content)).toEqual(['deploying now']);
    const all = ok<{ content: string }[]>(t.admin(['feed', '--json']));
    expect(all.map((i) => i.content)).toContain('boss to bob');
    expect(ok<unknown[]>(t.admin(['feed', '--limit', '2', '--json']))).toHaveLength(2);
    expect(t.alice(['feed']).stdout).toMatch(/#ops.*deploying now/);
  });

  it('says so when the feed is empty', () => {
    expect(t.carol(['feed']).stdout).toMatch(/nothing yet/);
  });
});
