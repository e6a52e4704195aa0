import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { btmsg, json, seedTeam, tempDb } from '../helpers/cli.js';

describe('btmsg smoke', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
    seedTeam(t.db);
  });
  afterEach(() => t.cleanup());

  it('delivers a message from one agent to another', () => {
    const sent = btmsg(['send', 'bob', 'hello', 'bob', '--json'], { db: t.db, as: 'alice' });
    expect(sent.code).toBe(0);
    const inbox = json<{ content: string; from: string }[]>(btmsg(['inbox', '--json'], { db: t.db, as: 'bob' }));
    expect(inbox.map((m) => [m.from, m.content])).toEqual([['alice', 'hello bob']]);
  });
});
