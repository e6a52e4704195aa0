import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Exit } from '../../../src/core/errors.js';
import { openDb } from '../../../src/db/open.js';
import { followLogs, latestLogTail } from '../../../src/supervisor/logview.js';
import { addAgents, addRun, freshDb } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');

describe('followLogs and latestLogTail', () => {
  const t = freshDb();
  const run = (id: string, agent: string, startedAt: number, log: string | null = null) => addRun(t.db, id, agent, startedAt, log);
  beforeEach(() => addAgents(t.db, ['w1', 'w2'], ['mailbox']));

  describe('logs without a supervisor', () => {
    const logOf = (name: string, text: string) => {
      const path = join(t.dir, `${name}.log`);
      writeFileSync(path, text);
      return path;
    };

    it('hands over the last lines of the latest run, or of the run a prefix names', async () => {
      run('aaaa1111', 'w1', T0, logOf('a', 'old 1\nold 2\n'));
      run('bbbb2222', 'w1', T0 + 1000, logOf('b', 'one\ntwo\nthree\n'));
      const got: [string, string | null, string][] = [];
      await followLogs(openDb({ path: t.path }), { agent: 'w1', lines: 2, follow: false }, (...a) => got.push(a));
      expect(got).toEqual([['w1', 'bbbb2222', 'two\nthree']]);
      got.length = 0;
      await followLogs(openDb({ path: t.path }), { agent: 'w1', run: 'aaaa', lines: 5, follow: false }, (...a) => got.push(a));
      expect(got).toEqual([['w1', 'aaaa1111', 'old 1\nold 2']]);
      expect(latestLogTail(t.db, 'w1', 1)).toEqual({ agent: 'w1', run: 'bbbb2222', lines: ['three'] });
      expect(latestLogTail(t.db, 'w2', 5)).toEqual({ agent: 'w2', run: null, lines: [] });
    });

    it('refuses an unknown agent, an unknown run and an ambiguous prefix', async () => {
      run('cccc1111', 'w1', T0);
      run('cccc2222', 'w1', T0 + 1000);
      const none = () => undefined;
      await expect(followLogs(openDb({ path: t.path }), { agent: 'ghost', lines: 5, follow: false }, none)).rejects.toMatchObject({ code: Exit.NOT_FOUND });
      await expect(followLogs(openDb({ path: t.path }), { agent: 'w1', run: 'dddd', lines: 5, follow: false }, none)).rejects.toMatchObject({
        code: Exit.NOT_FOUND,
      });
      await expect(followLogs(openDb({ path: t.path }), { agent: 'w1', run: 'cccc', lines: 5, follow: false }, none)).rejects.toMatchObject({ code: Exit.USAGE });
    });

    it('follows new output, and into the next run, until stopped', async () => {
      const first = logOf('f1', 'before\n');
      run('ffff1111', 'w1', T0, first);
      const got: [string, string | null, string][] = [];
      const stop = new AbortController();
      const following = followLogs(openDb({ path: t.path }), { agent: 'w1', lines: 10, follow: true, signal: stop.signal }, (...a) => got.push(a));
      await waitFor(
        'the first lines',
        () => got.length,
        (n) => n >= 1,
      );
      writeFileSync(first, 'before\nafter\n');
      await waitFor(
        'the new line',
        () => got.map((g) => g[2]).join('|'),
        (s) => s.includes('after'),
      );
      run('ffff2222', 'w1', T0 + 1000, logOf('f2', 'next run\n'));
      await waitFor(
        'the next run',
        () => got.at(-1),
        (g) => g?.[1] === 'ffff2222',
      );
      stop.abort();
      await following;
      expect(got).toEqual([
        ['w1', 'ffff1111', 'before'],
        ['w1', 'ffff1111', 'after\n'],
        ['w1', 'ffff2222', 'next run\n'],
      ]);
    });
  });
});
