// The approvals queue end to end: an agent under a real supervisor blocks in
// `agor approval request`; the operator sees it in `agor dash` in tmux (the Fleet's
// attention, then the Approvals view), approves it with a and y, and the agent's waiting
// command exits 0.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, json } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { AGOR_SH, group, sh } from '../integration/agor/fixture.js';
import { terminal, titleIs } from './terminal.js';

const AGOR = join(ROOT, 'dist', 'agor.cjs');

test('a pending request shows in the dashboard; a then y approves it and the waiting agent goes on', async ({ onTestFinished }) => {
  const g = group(onTestFinished, {
    agents: {
      asker: {
        command: sh(`${AGOR_SH} approval request --action "rm -rf build" --detail "clean rebuild" --timeout 120s; echo "rc=$?" > rc.txt; exec sleep 300`),
        stop_grace: '1s',
      },
    },
  });
  await g.up();
  const [p] = await waitFor(
    'the pending request',
    async () => json<{ id: number }[]>(await g.agor(['approval', 'list', '--json'])),
    (l) => l.length === 1,
    { timeout: 10_000, interval: 100 },
  );

  const term = terminal(onTestFinished, 'approvals', 100, 30);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db]);
  let s = await term.waitFor(
    'the Fleet with the attention of the waiting agent',
    (x) => titleIs('Fleet')(x) && x.includes('supervisor pid') && /asker\s+approval pending/.test(x),
    15_000,
  );
  term.show('the Fleet: asker waits for an approval', s);

  s = await term.press('7', 'the Approvals view with the request', (x) => titleIs('Approvals')(x) && x.includes('rm -rf build'));
  term.show('7: the approvals queue', s);
  expect(s).toMatch(new RegExp(`^${p!.id}\\s+asker\\s+rm -rf build\\s+\\S+\\s+in \\d+m\\d\\ds`, 'm'));
  expect(s).toContain('detail: clean rebuild');

  s = await term.press('a', 'the note prompt', (x) => x.includes(`approve request ${p!.id} of asker: note for the agent`));
  s = await term.press('Enter', 'the confirmation', (x) => x.includes('approve "rm -rf build" of asker? [y/n]'));
  term.show('a, enter: asked to confirm', s);
  s = await term.press('y', 'the approval done', (x) => x.includes(`approved request ${p!.id} of asker`));
  term.show('y: approved', s);

  const rc = join(g.dir, 'rc.txt');
  await waitFor(
    'the agent to see the approval',
    () => existsSync(rc) && readFileSync(rc, 'utf8'),
    (t) => t === 'rc=0\n',
  );
  s = await term.waitFor('the queue empty', (x) => x.includes('no approval requests pending'));
  term.show('the queue after the approval', s);
  const audit = json<{ type: string; agent: string }[]>(await g.agor(['audit', '--type', 'approval_approved', '--json']));
  expect(audit).toMatchObject([{ agent: 'admin', type: 'approval_approved' }]);
  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);
});
