import { beforeEach, describe, expect, it } from 'vitest';
import { Exit } from '../../../src/core/errors.js';
import { writeTx } from '../../../src/db/open.js';
import { endRun } from '../../../src/db/runs.js';
import { runHistory } from '../../../src/supervisor/history.js';
import { requireManaged } from '../../../src/supervisor/managed.js';
import { addAgents, addRun, freshDb } from '../../helpers/db.js';
import { userError } from '../../helpers/errors.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');

describe('run history and managed agents', () => {
  const t = freshDb();
  const run = (id: string, agent: string, startedAt: number, log: string | null = null) => addRun(t.db, id, agent, startedAt, log);
  beforeEach(() => addAgents(t.db, ['w1', 'w2'], ['mailbox']));

  describe('runHistory', () => {
    it('lists runs newest first, with ISO times and the duration of each ended run', () => {
      run('r1', 'w1', T0);
      run('r2', 'w2', T0 + 1000);
      run('r3', 'w1', T0 + 2000);
      writeTx(t.db, () =>
        endRun(t.db, 'r1', { ended_at: T0 + 61_400, exit_code: 0, signal: null, outcome: 'success', error_class: null, note: null, peak_rss_kb: null }),
      );
      const all = runHistory(t.db, { limit: 10 });
      expect(all.map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
      expect(all[2]).toMatchObject({
        agent: 'w1',
        incarnation: 1,
        started_at: '2026-01-05T09:00:00.000Z',
        ended_at: '2026-01-05T09:01:01.400Z',
        duration_s: 61,
        outcome: 'success',
      });
      expect(all[0]).toMatchObject({ incarnation: 2, ended_at: null, duration_s: null, outcome: null });
      expect(all[0]).not.toHaveProperty('pid_start');
    });

    it("keeps to one agent's runs and to the limit", () => {
      for (let i = 0; i < 5; i++) run(`r${i}`, i % 2 ? 'w2' : 'w1', T0 + i * 1000);
      expect(runHistory(t.db, { agent: 'w1', limit: 10 }).map((r) => r.id)).toEqual(['r4', 'r2', 'r0']);
      expect(runHistory(t.db, { agent: 'w1', limit: 2 }).map((r) => r.id)).toEqual(['r4', 'r2']);
      expect(runHistory(t.db, { agent: 'nobody', limit: 10 })).toEqual([]);
    });
  });

  describe('requireManaged', () => {
    it('accepts the agents a supervisor registered and names every other one', () => {
      expect(() => requireManaged(t.db, ['w1', 'w2'])).not.toThrow();
      const e = userError(() => requireManaged(t.db, ['w1', 'mailbox', 'ghost']));
      expect(e.code).toBe(Exit.NOT_FOUND);
      expect(e.message).toBe("no agent 'mailbox', 'ghost' is managed by agor here");
    });
  });
});
