import { describe, expect, it } from 'vitest';
import { type DeadLetter, type Message, auditLog, count, heartbeatAgo, jsonError, ok, send, sql, useTeam } from './fixture.js';

describe('btmsg dead letters', () => {
  const t = useTeam();

  /** bob sent heartbeats once, the last one ten minutes ago. */
  const bobWentQuiet = () => heartbeatAgo(t.db, 'bob', 600);

  it('dead-letters a message to an agent whose heartbeats stopped, exit 8 with the reason', () => {
    bobWentQuiet();
    const r = t.alice(['send', 'bob', 'are you there?']);
    expect(r.code).toBe(8);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not delivered: recipient 'bob' has sent no heartbeat for 10 min/);
    expect(r.stderr).toMatch(/btmsg dlq requeue 1/);

    expect(ok<Message[]>(t.bob(['inbox', '--json']))).toEqual([]);
    const dl = ok<DeadLetter[]>(t.alice(['dlq', 'list', '--json']));
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ id: 1, from: 'alice', to: 'bob', content: 'are you there?', reply_to: null, flags: [] });
    expect(dl[0]!.reason).toMatch(/no heartbeat/);
    expect(auditLog(t.admin).filter((e) => e.type === 'message_dead_lettered')).toEqual([
      expect.objectContaining({ agent: 'alice', detail: expect.objectContaining({ to: 'bob', dead_letter: 1 }) }),
    ]);
  });

  it('prints the dead letter on stdout and a JSON error on stderr with --json', () => {
    bobWentQuiet();
    const r = t.alice(['send', 'bob', 'json please', '--json']);
    expect(r.code).toBe(8);
    const out = JSON.parse(r.stdout) as { dead_letter: DeadLetter };
    expect(out.dead_letter).toMatchObject({ id: 1, to: 'bob', content: 'json please' });
    const err = JSON.parse(r.stderr) as { error: { code: string; exit: number; message: string; hint: string } };
    expect(err.error).toMatchObject({ code: 'dead_letter', exit: 8 });
    expect(err.error.hint).toMatch(/dlq requeue 1/);
  });

  it('dead-letters a reply to a quiet agent too', () => {
    const q = send(t.bob, 'alice', 'question before going quiet');
    bobWentQuiet();
    const r = t.alice(['reply', q.id, 'answer', '--json']);
    expect(r.code).toBe(8);
    expect((JSON.parse(r.stdout) as { dead_letter: DeadLetter }).dead_letter).toMatchObject({ to: 'bob', reply_to: q.id });
    expect(count(t.db, 'messages')).toBe(1);
  });

  it('stores messages normally for an agent that never sent a heartbeat', () => {
    const m = send(t.alice, 'bob', 'plain mailbox');
    expect(m.state).toBe('queued');
    expect(count(t.db, 'dead_letter_queue')).toBe(0);
  });

  it('stores messages normally for an agent whose heartbeat is recent', () => {
    expect(t.bob(['heartbeat']).code).toBe(0);
    send(t.alice, 'bob', 'you are alive');
    heartbeatAgo(t.db, 'bob', 240);
    send(t.alice, 'bob', 'still within five minutes');
    expect(count(t.db, 'dead_letter_queue')).toBe(0);
    expect(ok<Message[]>(t.bob(['inbox', '--json']))).toHaveLength(2);
  });

  it('never dead-letters a message to an agent agor manages, however old its heartbeat', () => {
    heartbeatAgo(t.db, 'bob', 86_400);
    sql(t.db, (db) => db.prepare('UPDATE agents SET managed = 1 WHERE id = ?').run('bob'));
    send(t.alice, 'bob', 'agor will wake you');
    expect(count(t.db, 'dead_letter_queue')).toBe(0);
    expect(ok<Message[]>(t.bob(['inbox', '--json'])).map((m) => m.content)).toEqual(['agor will wake you']);
  });

  it('puts a requeued dead letter back in the inbox under its original id', () => {
    bobWentQuiet();
    const dead = (JSON.parse(t.alice(['send', 'bob', 'try again later', '--json']).stdout) as { dead_letter: DeadLetter }).dead_letter;

    const m = ok<Message>(t.alice(['dlq', 'requeue', String(dead.id), '--json']));
    expect(m).toMatchObject({ id: dead.message_id, from: 'alice', to: 'bob', content: 'try again later', state: 'queued' });
    expect(ok<DeadLetter[]>(t.alice(['dlq', 'list', '--json']))).toEqual([]);
    expect(ok<Message[]>(t.bob(['inbox', '--json'])).map((x) => x.id)).toEqual([dead.message_id]);
    expect(auditLog(t.admin).map((e) => e.type)).toContain('dead_letter_requeued');
    expect(t.alice(['dlq', 'requeue', `#${dead.id}`]).code).toBe(3);
  });

  it('says where a requeued message went in human output', () => {
    bobWentQuiet();
    t.alice(['send', 'bob', 'x']);
    const r = t.admin(['dlq', 'requeue', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^requeued as [0-9a-f]{8} to bob\n$/);
  });

  it('lets only the sender or the operator requeue a dead letter', () => {
    bobWentQuiet();
    t.alice(['send', 'bob', 'mine']);
    const r = t.bob(['dlq', 'requeue', '1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/only the operator or the sender/);
    expect(t.admin(['dlq', 'requeue', '1']).code).toBe(0);
  });

  it('refuses to requeue an unknown or malformed dead letter id', () => {
    expect(t.admin(['dlq', 'requeue', '42']).code).toBe(3);
    const bad = t.admin(['dlq', 'requeue', 'abc', '--json']);
    expect(bad.code).toBe(2);
    expect(jsonError(bad).message).toMatch(/invalid dead letter id/);
  });

  it('lists dead letters to their sender, their recipient and the operator only', () => {
    bobWentQuiet();
    t.alice(['send', 'bob', 'for bob']);
    expect(ok<DeadLetter[]>(t.bob(['dlq', 'list', '--json']))).toHaveLength(1);
    expect(ok<DeadLetter[]>(t.admin(['dlq', 'list', '--json']))).toHaveLength(1);
    expect(ok<DeadLetter[]>(t.carol(['dlq', 'list', '--json']))).toEqual([]);
    const human = t.alice(['dlq', 'list']);
    expect(human.stdout).toMatch(/#1 .*alice → bob .*for bob/);
    expect(human.stdout).toMatch(/no heartbeat/);
    expect(t.carol(['dlq', 'list']).stdout).toMatch(/no dead letters/);
  });

  it('purges one dead letter with --id, old ones with --older-than, or all', () => {
    bobWentQuiet();
    for (const text of ['one', 'two', 'three', 'four']) expect(t.alice(['send', 'bob', text]).code).toBe(8);
    sql(t.db, (db) => db.prepare(`UPDATE dead_letter_queue SET created_at = datetime('now', '-3 days') WHERE id = 2`).run());

    expect(ok<{ purged: number }>(t.alice(['dlq', 'purge', '--id', '1', '--json']))).toEqual({ purged: 1 });
    expect(ok<{ purged: number }>(t.alice(['dlq', 'purge', '--older-than', '1d', '--json']))).toEqual({ purged: 1 });
    expect(ok<DeadLetter[]>(t.alice(['dlq', 'list', '--json'])).map((d) => d.content)).toEqual(['three', 'four']);
    expect(t.alice(['dlq', 'purge']).stdout).toBe('purged 2 dead letters\n');
    expect(count(t.db, 'dead_letter_queue')).toBe(0);
    expect(auditLog(t.admin).filter((e) => e.type === 'dead_letters_purged')).toHaveLength(3);
  });

  it('leaves dead letters of others alone when an agent purges', () => {
    bobWentQuiet();
    heartbeatAgo(t.db, 'alice', 600);
    t.alice(['send', 'bob', 'alice to bob']);
    t.boss(['send', 'alice', 'boss to alice']);
    expect(t.bob(['dlq', 'purge', '--id', '2']).code).toBe(4);
    expect(ok<{ purged: number }>(t.bob(['dlq', 'purge', '--json']))).toEqual({ purged: 1 });
    expect(ok<DeadLetter[]>(t.admin(['dlq', 'list', '--json'])).map((d) => d.content)).toEqual(['boss to alice']);
  });

  it('refuses dlq without a verb or with an unknown one', () => {
    expect(t.admin(['dlq']).code).toBe(2);
    expect(t.admin(['dlq', 'flush']).code).toBe(2);
    expect(t.admin(['dlq', 'purge', '--id', '1', '--older-than', '1d']).code).toBe(2);
  });
});
