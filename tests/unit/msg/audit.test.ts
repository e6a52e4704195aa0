import { beforeEach, describe, expect, it } from 'vitest';
import { audit } from '../../../src/db/audit.js';
import { writeTx } from '../../../src/db/open.js';
import { auditLog } from '../../../src/msg/audit.js';
import { freshDb } from '../../helpers/db.js';

describe('auditLog', () => {
  const t = freshDb();
  beforeEach(() => {
    writeTx(t.db, () => {
      audit(t.db, 'alice', 'message_sent', { id: 'm1', to: 'bob' });
      audit(t.db, 'bob', 'message_read', { id: 'm1' });
      // As the earlier Python tools wrote it: plain text, or nothing at all.
      audit(t.db, 'carol', 'legacy_note', 'sent by hand');
      audit(t.db, 'alice', 'message_acked');
    });
  });

  it('returns the newest entries oldest first, with JSON details parsed and plain text kept', () => {
    const all = auditLog(t.db, { limit: 10 }).filter((e) => e.agent !== 'admin');
    expect(all.map((e) => [e.agent, e.type, e.detail])).toEqual([
      ['alice', 'message_sent', { id: 'm1', to: 'bob' }],
      ['bob', 'message_read', { id: 'm1' }],
      ['carol', 'legacy_note', 'sent by hand'],
      ['alice', 'message_acked', null],
    ]);
    expect(all[0]).toMatchObject({ id: expect.any(Number), created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    expect(auditLog(t.db, { limit: 2 }).map((e) => e.type)).toEqual(['legacy_note', 'message_acked']);
  });

  it('filters by agent, by type or type prefix, and by time', () => {
    expect(auditLog(t.db, { agent: 'alice', limit: 10 }).map((e) => e.type)).toEqual(['message_sent', 'message_acked']);
    expect(auditLog(t.db, { type: 'message_*', limit: 10 }).map((e) => e.type)).toEqual(['message_sent', 'message_read', 'message_acked']);
    expect(auditLog(t.db, { type: 'message_read', limit: 10 }).map((e) => e.agent)).toEqual(['bob']);
    expect(auditLog(t.db, { since: '2999-01-01 00:00:00', limit: 10 })).toEqual([]);
  });
});
