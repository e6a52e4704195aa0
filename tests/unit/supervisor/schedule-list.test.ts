import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Exit } from '../../../src/core/errors.js';
import { writeTx } from '../../../src/db/open.js';
import { putSupervisor, setScheduleFired } from '../../../src/db/runs.js';
import { listSchedules, scheduleKey } from '../../../src/supervisor/schedule.js';
import { freshDb } from '../../helpers/db.js';
import { userError } from '../../helpers/errors.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');

describe('listSchedules', () => {
  const t = freshDb();

  describe('on a group file', () => {
    const yaml = `group: g
agents:
  w1:
    command: [sh, -c, "true"]
    schedules:
      - { cron: "0 9 * * *", tz: UTC, prompt: Morning digest., timeout: 10m }
      - { cron: "30 6 * * 1-5", tz: Europe/Berlin }
  w2:
    command: [sh, -c, "true"]
`;

    it('gives each schedule of agor.yaml its next slot, and its last firing once it fired', () => {
      const file = join(t.dir, 'agor.yaml');
      writeFileSync(file, yaml);
      // One fired twice; the other was only seen (a first sighting is not a firing).
      writeTx(t.db, () => {
        setScheduleFired(t.db, 'w1', scheduleKey({ cron: '0 9 * * *', tz: 'UTC' }), T0 - 86_400_000);
        setScheduleFired(t.db, 'w1', scheduleKey({ cron: '0 9 * * *', tz: 'UTC' }), T0);
        setScheduleFired(t.db, 'w1', scheduleKey({ cron: '30 6 * * 1-5', tz: 'Europe/Berlin' }), T0, false);
      });
      const r = listSchedules(t.db, { file, now: Date.parse('2026-01-09T12:00:00Z') });
      expect(r.file).toBe(file);
      expect(r.schedules).toEqual([
        {
          agent: 'w1',
          cron: '0 9 * * *',
          tz: 'UTC',
          prompt: 'Morning digest.',
          timeout_s: 600,
          last_fired_at: '2026-01-05T09:00:00.000Z',
          fired: 2,
          next_at: '2026-01-10T09:00:00.000Z',
        },
        {
          agent: 'w1',
          cron: '30 6 * * 1-5',
          tz: 'Europe/Berlin',
          prompt: expect.any(String),
          timeout_s: 1500,
          last_fired_at: null,
          fired: 0,
          next_at: '2026-01-12T05:30:00.000Z',
        },
      ]);
    });

    it('reads ./agor.yaml without -f, else the file the running supervisor was started with', () => {
      const here = join(t.dir, 'here');
      const elsewhere = join(t.dir, 'elsewhere');
      mkdirSync(here);
      mkdirSync(elsewhere);
      writeFileSync(join(here, 'agor.yaml'), yaml);
      writeFileSync(join(elsewhere, 'agor.yaml'), 'group: g\nagents:\n  w2:\n    command: [sh]\n');
      expect(listSchedules(t.db, { cwd: here, now: T0 }).file).toBe(join(here, 'agor.yaml'));
      const empty = join(t.dir, 'empty');
      mkdirSync(empty);
      expect(userError(() => listSchedules(t.db, { cwd: empty, now: T0 })).code).toBe(Exit.USAGE);
      writeTx(t.db, () =>
        putSupervisor(t.db, {
          pid: 1,
          pid_start: 1,
          boot_id: 'b',
          host: 'h',
          socket: '/nowhere',
          config: join(elsewhere, 'agor.yaml'),
          group_id: 'g',
          log: null,
          started_at: T0,
        }),
      );
      expect(listSchedules(t.db, { cwd: empty, now: T0 })).toEqual({ file: join(elsewhere, 'agor.yaml'), schedules: [] });
    });
  });
});
