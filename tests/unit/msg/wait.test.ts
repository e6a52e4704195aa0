import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Exit } from '../../../src/core/errors.js';
import { type Db, openDb } from '../../../src/db/open.js';
import { allow, register } from '../../../src/msg/agents.js';
import { create, post } from '../../../src/msg/channels.js';
import { send } from '../../../src/msg/messages.js';
import { waitForMessage } from '../../../src/msg/wait.js';
import { tempDb } from '../../helpers/cli.js';

describe('waitForMessage', () => {
  let t: ReturnType<typeof tempDb>;
  let db: Db;
  /** Another connection, as another process sending would have. */
  let other: Db;
  beforeEach(() => {
    t = tempDb();
    db = openDb({ path: t.db });
    other = openDb({ path: t.db });
    for (const id of ['bob', 'carol']) register(db, 'admin', { id, name: id, role: 'project', group: 'g' });
    allow(db, 'admin', 'carol', 'bob', true);
  });
  afterEach(() => {
    db.close();
    other.close();
    t.cleanup();
  });

  it('returns a message sent while it waits, taken as delivered', async () => {
    const waiting = waitForMessage(db, { me: 'bob', timeoutMs: 30_000 });
    const sent = send(other, 'admin', 'bob', 'wake up');
    const r = await waiting;
    expect(r.arrival).toMatchObject({ kind: 'message', from: 'admin', content: 'wake up', state: 'delivered' });
    expect(sent.stored && r.arrival?.id).toBe(sent.stored ? sent.message.id : undefined);
    // Taken once: a second wait does not return it again.
    expect((await waitForMessage(db, { me: 'bob', timeoutMs: 200 })).arrival).toBeUndefined();
  });

  it('returns at once with a message already queued', async () => {
    send(other, 'admin', 'bob', 'sent before waiting');
    const started = Date.now();
    const r = await waitForMessage(db, { me: 'bob', timeoutMs: 30_000 });
    expect(r.arrival).toMatchObject({ kind: 'message', content: 'sent before waiting' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up after the timeout with no arrival, saying what it waited for', async () => {
    send(other, 'carol', 'bob', 'not from the one awaited');
    const r = await waitForMessage(db, { me: 'bob', from: 'admin', timeoutMs: 300 });
    expect(r).toEqual({ arrival: undefined, from: 'admin', channel: null });
  });

  it('waits for a new post in a channel when given one, ignoring the posts before it', async () => {
    create(other, 'admin', 'ops', ['bob']);
    post(other, 'admin', 'ops', 'old news');
    const waiting = waitForMessage(db, { me: 'bob', channel: 'ops', timeoutMs: 30_000 });
    post(other, 'admin', 'ops', 'deploy at noon');
    const r = await waiting;
    expect(r.channel).toBe('ops');
    expect(r.arrival).toMatchObject({ kind: 'channel', channel: 'ops', from: 'admin', content: 'deploy at noon' });
  });

  it('refuses an unknown sender and a channel the waiter is not in, before waiting', async () => {
    await expect(waitForMessage(db, { me: 'bob', from: 'nobody', timeoutMs: 30_000 })).rejects.toMatchObject({ code: Exit.NOT_FOUND });
    create(other, 'admin', 'secret', ['carol']);
    await expect(waitForMessage(db, { me: 'bob', channel: 'secret', timeoutMs: 30_000 })).rejects.toMatchObject({ code: Exit.NOT_PERMITTED });
    await expect(waitForMessage(db, { me: undefined, timeoutMs: 30_000 })).rejects.toMatchObject({ code: Exit.USAGE });
  });
});
