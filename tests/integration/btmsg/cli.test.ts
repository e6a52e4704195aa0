import { describe, expect, it } from 'vitest';
import { type DeadLetter, type Message, jsonError, ok, send, sql, useTeam } from './fixture.js';

describe('btmsg command line', () => {
  const t = useTeam();

  it('refuses missing arguments with exit 2 and a message on stderr', () => {
    for (const args of [['send', 'bob'], ['read'], ['reply', 'abc'], ['history'], ['search'], ['dlq', 'requeue']]) {
      const r = t.alice(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(/^btmsg: Not enough non-option arguments/);
    }
  });

  it('refuses extra arguments and unknown options with exit 2', () => {
    for (const [args, msg] of [
      [['read', 'abc', 'def'], /Unknown argument: def/],
      [['unread', 'now'], /Unknown argument: now/],
      [['inbox', '--colour'], /Unknown argument: colour/],
      [['send', 'bob', 'hi', '--urgent'], /Unknown argument: urgent/],
    ] as const) {
      const r = t.alice([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(send(t.alice, 'bob', 'still works').content).toBe('still works');
    expect(ok<Message[]>(t.bob(['inbox', '--json']))).toHaveLength(1);
  });

  it('refuses an option without its value or with a bad one as a usage error, not a crash', () => {
    const messages: string[] = [];
    for (const args of [
      ['inbox', '--limit'],
      ['inbox', '-n', 'ten'],
      ['history', 'bob', '--limit', '0'],
      ['wait', '--from'],
      ['notify', '--session'],
    ]) {
      const r = t.alice([...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const e = jsonError(r);
      expect(e.code).toBe('usage');
      messages.push(e.message);
    }
    expect(messages).toEqual([
      'Not enough arguments following: limit',
      "invalid --limit 'ten'",
      "invalid --limit '0'",
      'Not enough arguments following: from',
      'Not enough arguments following: session',
    ]);
  });

  it('suggests the nearest verb for a mistyped one', () => {
    const r = t.alice(['sned', 'bob', 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown verb 'sned'/);
    expect(r.stderr).toMatch(/did you mean send\?/);
  });

  it('acts as the operator without BTMSG_AGENT_ID: inbox, feed and search included', () => {
    send(t.alice, 'admin', 'the build is green again');
    send(t.alice, 'bob', 'bugs in the parser');
    const operator = t.as(null);
    expect(ok<Message[]>(operator(['inbox', '--json'])).map((m) => [m.from, m.to, m.content])).toEqual([['alice', 'admin', 'the build is green again']]);
    // The operator's feed and search see every message, not only its own.
    expect(ok<Message[]>(operator(['feed', '--json'])).map((m) => m.content)).toEqual(expect.arrayContaining(['the build is green again', 'bugs in the parser']));
    expect(ok<{ from: string; to: string }[]>(operator(['search', 'bugs', '--json'])).map((h) => `${h.from}>${h.to}`)).toEqual(['alice>bob']);
    expect(ok<{ id: string }>(operator(['whoami', '--json'])).id).toBe('admin');
    // An empty BTMSG_AGENT_ID is unset too.
    expect(ok<{ id: string }>(t.as(null)(['whoami', '--json'], { env: { BTMSG_AGENT_ID: '' } })).id).toBe('admin');
  });

  it('inside an agent that lost BTMSG_AGENT_ID, acts as $AGOR_AGENT rather than the operator', () => {
    expect(ok<{ id: string }>(t.as(null)(['whoami', '--json'], { env: { AGOR_AGENT: 'bob' } })).id).toBe('bob');
    const r = t.as(null)(['send', 'carol', 'hi'], { env: { AGOR_AGENT: 'bob' } });
    expect(r.code).toBe(4);
    expect(ok<{ id: string }>(t.as('alice')(['whoami', '--json'], { env: { AGOR_AGENT: 'bob' } })).id).toBe('alice');
  });

  it('refuses to act for an unregistered agent (exit 3)', () => {
    const stranger = t.as('mallory')(['send', 'bob', 'hi']);
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toMatch(/BTMSG_AGENT_ID 'mallory' is not a registered agent/);
    expect(ok<Message[]>(t.bob(['inbox', '--json']))).toEqual([]);
  });

  it('prints errors as one JSON object on stderr with --json', () => {
    const m = send(t.alice, 'bob', 'x');
    const cases: [string[], string, number][] = [
      [['send', 'bob'], 'usage', 2],
      [['send', 'ghost', 'hi'], 'not_found', 3],
      [['send', 'carol', 'hi'], 'not_permitted', 4],
      [['ack', m.id], 'not_permitted', 4],
      [['read', 'ffffffff'], 'not_found', 3],
    ];
    const errors = cases.map(([args, code, exit]) => {
      const r = t.alice([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(exit);
      const e = jsonError(r);
      expect(e.code, args.join(' ')).toBe(code);
      expect(e.message.length).toBeGreaterThan(0);
      return e;
    });
    expect(errors[2]!.hint).toMatch(/btmsg allow alice carol/);
    expect(t.alice(['channel', 'create', 'ops']).code).toBe(0);
    const taken = t.bob(['channel', 'create', 'ops', '--json']);
    expect(taken.code).toBe(5);
    expect(jsonError(taken)).toMatchObject({ code: 'conflict', exit: 5 });
    expect(jsonError(t.alice(['inbox', '-n', 'x', '--json']))).toMatchObject({ code: 'usage', exit: 2 });
  });

  it('prints one JSON document on stdout for every verb that prints data', () => {
    const m = send(t.alice, 'bob', 'json everywhere');
    sql(t.db, (db) => db.prepare(`INSERT INTO dead_letter_queue (from_agent, to_agent, content, error) VALUES ('alice', 'bob', 'old', 'legacy error')`).run());
    const calls: [ReturnType<typeof t.as>, string[]][] = [
      [t.bob, ['inbox']],
      [t.bob, ['inbox', '--all']],
      [t.bob, ['read', m.id]],
      [t.bob, ['show', m.id]],
      [t.bob, ['history', 'alice']],
      [t.bob, ['unread']],
      [t.bob, ['notify', '--session', 'x']],
      [t.bob, ['feed']],
      [t.bob, ['search', 'json']],
      [t.bob, ['dlq', 'list']],
      [t.admin, ['audit', '--limit', '3']],
      [t.bob, ['reply', m.id, 'ok']],
      [t.bob, ['ack', m.id]],
      [t.alice, ['dlq', 'purge']],
    ];
    for (const [call, args] of calls) {
      const r = call([...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr, args.join(' ')).toBe('');
      // Piped output is one compact line.
      expect(r.stdout.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(() => JSON.parse(r.stdout), args.join(' ')).not.toThrow();
    }
  });

  it('lists dead letters written by the earlier tool, without the newer columns', () => {
    sql(t.db, (db) => db.prepare(`INSERT INTO dead_letter_queue (from_agent, to_agent, content, error) VALUES ('alice', 'bob', 'old', 'legacy error')`).run());
    const [d] = ok<DeadLetter[]>(t.admin(['dlq', 'list', '--json']));
    expect(d).toMatchObject({ from: 'alice', to: 'bob', content: 'old', reason: 'legacy error', message_id: null, flags: [] });
    expect(ok<Message>(t.admin(['dlq', 'requeue', String(d!.id), '--json']))).toMatchObject({ to: 'bob', content: 'old', state: 'queued' });
  });

  it('gives up with exit 7 when another process holds the write lock too long', () => {
    sql(t.db, (db) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const r = t.alice(['send', 'bob', 'blocked', '--json'], { env: { AGOR_BUSY_TIMEOUT: '300' } });
        expect(r.code).toBe(7);
        expect(jsonError(r)).toMatchObject({ code: 'busy', exit: 7, message: expect.stringMatching(/locked/) });
      } finally {
        db.exec('ROLLBACK');
      }
    });
    expect(send(t.alice, 'bob', 'after the lock').content).toBe('after the lock');
  });

  it('lists the verbs with --help', () => {
    const r = t.as(null)(['--help']);
    expect(r.code).toBe(0);
    for (const verb of ['send', 'inbox', 'read', 'reply', 'ack', 'show', 'history', 'unread', 'wait', 'search', 'feed', 'notify', 'dlq', 'audit']) {
      expect(r.stdout).toMatch(new RegExp(`btmsg ${verb}\\b`));
    }
  });
});
