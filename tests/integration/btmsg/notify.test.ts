import { describe, expect, it } from 'vitest';
import { type Message, ok, send, useTeam } from './fixture.js';

describe('btmsg notify', () => {
  const t = useTeam();

  it('announces each unread message once per session and is silent otherwise', () => {
    const quiet = t.bob(['notify', '--session', 's1']);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });

    send(t.alice, 'bob', 'one');
    send(t.alice, 'bob', 'two');
    expect(t.bob(['notify', '--session', 's1']).stdout).toBe('You have 2 new messages from alice. Run: btmsg inbox\n');
    expect(t.bob(['notify', '--session', 's1'])).toMatchObject({ code: 0, stdout: '' });

    send(t.boss, 'bob', 'three');
    expect(t.bob(['notify', '--session', 's1']).stdout).toBe('You have 1 new message from boss. Run: btmsg inbox\n');
    // Another session has not been told about any of them.
    expect(t.bob(['notify', '--session', 's2']).stdout).toBe('You have 3 new messages from alice, boss. Run: btmsg inbox\n');
  });

  it('does not announce messages that were already read', () => {
    const m = send(t.alice, 'bob', 'read me');
    send(t.alice, 'bob', 'not yet');
    t.bob(['read', m.id]);
    expect(ok<Message[]>(t.bob(['notify', '--session', 'fresh', '--json'])).map((x) => x.content)).toEqual(['not yet']);
  });

  it('takes the session from AGOR_RUN_ID when --session is not given', () => {
    send(t.alice, 'bob', 'hi');
    const run1 = { env: { AGOR_RUN_ID: 'run-1' } };
    expect(t.bob(['notify'], run1).stdout).toMatch(/1 new message from alice/);
    expect(t.bob(['notify'], run1).stdout).toBe('');
    expect(t.bob(['notify'], { env: { AGOR_RUN_ID: 'run-2' } }).stdout).toMatch(/1 new message/);
  });

  it('prints the newly announced messages as a JSON array, empty when there are none', () => {
    const m = send(t.alice, 'bob', 'json');
    const first = ok<Message[]>(t.bob(['notify', '--session', 'j', '--json']));
    expect(first.map((x) => [x.id, x.from, x.content])).toEqual([[m.id, 'alice', 'json']]);
    expect(ok<Message[]>(t.bob(['notify', '--session', 'j', '--json']))).toEqual([]);
  });
});
