// Conflicts end to end: two agents under a real supervisor change one file of a shared git
// working tree, one after the other; the operator sees it in `agor dash` in tmux (the Fleet's
// attention and conflicts line, then the Conflicts view), acknowledges it with a and y, and
// the conflict is acknowledged in the database.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, json } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { group, sh } from '../integration/agor/fixture.js';
import { terminal, titleIs } from './terminal.js';

const AGOR = join(ROOT, 'dist', 'agor.cjs');
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

test('an overlap shows in the dashboard; a then y acknowledges it', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  const dir = join(g.dir, 'repo');
  mkdirSync(dir);
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-qm', 'init'],
  ]) {
    if (args[0] === 'add') writeFileSync(join(dir, 'shared.txt'), 'one\n');
    execFileSync('git', args, { cwd: dir, env: GIT_ENV });
  }
  g.write({
    agents: {
      left: { command: sh(`printf 'L\\n' > shared.txt`), cwd: dir, mode: 'on-demand', role: 'project' },
      right: { command: sh(`printf 'R\\n' > shared.txt`), cwd: dir, mode: 'on-demand', role: 'project' },
    },
  });
  await g.up();
  await g.agor(['wake', 'left']);
  await g.waitRuns('left', 'its run ended', (rs) => rs.length === 1 && rs[0]!.ended_at !== null);
  await g.agor(['wake', 'right']);
  const [c] = await waitFor(
    'the overlap',
    async () => json<{ id: number; status: string }[]>(await g.agor(['conflicts', '--json'])),
    (l) => l.length === 1,
    { timeout: 20_000, interval: 200 },
  );

  const term = terminal(onTestFinished, 'conflicts', 100, 30);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db]);
  let s = await term.waitFor(
    'the Fleet with the file conflict',
    (x) => titleIs('Fleet')(x) && /left\s+file conflict/.test(x) && x.includes(`#${c!.id} overlap with right: shared.txt`),
    15_000,
  );
  term.show('the Fleet: left and right in a file conflict', s);

  s = await term.press('8', 'the Conflicts view', (x) => titleIs('Conflicts')(x) && x.includes('shared.txt'));
  term.show('8: the conflicts', s);
  expect(s).toMatch(new RegExp(`^${c!.id}\\s+overlap\\s+left,right\\s+shared\\.txt\\s+\\S+\\s+open`, 'm'));

  s = await term.press('a', 'the note prompt', (x) => x.includes(`acknowledge conflict ${c!.id}: note`));
  s = await term.press('Enter', 'the confirmation', (x) => x.includes(`acknowledge the overlap conflict ${c!.id} of left, right on shared.txt? [y/n]`));
  s = await term.press('y', 'the acknowledgement done', (x) => x.includes(`acknowledged conflict ${c!.id}`));
  term.show('a, enter, y: acknowledged', s);
  s = await term.waitFor('the row acknowledged', (x) => new RegExp(`^${c!.id}\\s+overlap.*acked`, 'm').test(x));
  const after = json<{ id: number; status: string; acked_by: string }[]>(await g.agor(['conflicts', '--json']));
  expect(after).toMatchObject([{ id: c!.id, status: 'acked', acked_by: 'admin' }]);
  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);
});
