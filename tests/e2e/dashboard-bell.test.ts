// The terminal bell end to end: an agent fails under a real supervisor whose agor.yaml
// wants the bell; `agor dash` in tmux rings it (BEL in what the terminal was sent, read with
// pipe-pane, since no screen shows a bell), `agor dash --no-bell` does not until b turns it on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { group, sh, yamlOf } from '../integration/agor/fixture.js';
import { rowState, terminal, titleIs } from './terminal.js';

const AGOR = join(ROOT, 'dist', 'agor.cjs');
const bells = (file: string) => (existsSync(file) ? readFileSync(file, 'latin1').split('\x07').length - 1 : 0);

test('a failing agent rings the dashboard’s bell; --no-bell keeps it quiet until b turns it on', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  g.write(
    `${yamlOf({ agents: { worker: { mode: 'on-demand', command: sh('echo boom; exit 3'), restart: { max_retries: 0 }, stop_grace: '1s' } } })}notify:\n  desktop: off\n  rate: 10/1m\n`,
  );
  await g.up();

  const loud = terminal(onTestFinished, 'bell', 100, 30);
  const quiet = terminal(onTestFinished, 'no-bell', 100, 30);
  loud.start([process.execPath, AGOR, 'dash', '--db', g.db]);
  quiet.start([process.execPath, AGOR, 'dash', '--no-bell', '--db', g.db]);
  const attached = (x: string) => titleIs('Fleet')(x) && x.includes('supervisor pid');
  await loud.waitFor('the Fleet attached to the supervisor', attached, 15_000);
  await quiet.waitFor('the Fleet attached to the supervisor', attached, 15_000);
  const loudOut = join(g.dir, 'loud.out');
  const quietOut = join(g.dir, 'quiet.out');
  loud.pipeOutput(loudOut);
  quiet.pipeOutput(quietOut);

  expect((await g.agor(['wake', 'worker', '--reason', 'try'])).code).toBe(0);
  await waitFor(
    'the bell of the default dashboard',
    () => bells(loudOut),
    (n) => n === 1,
  );
  // The Fleet's list that shows the failure was answered after the notification went out on the same socket.
  const s = await quiet.waitFor('worker failed in the quiet dashboard', (x) => rowState(x, 'worker') === 'failed');
  quiet.show('--no-bell: the failure shows, silently', s);
  expect(bells(quietOut)).toBe(0);

  await quiet.press('b', 'the bell turned on', (x) => x.includes('bell on'));
  // A failed agent takes no wakes until started again.
  expect((await g.agor(['start', 'worker'])).code).toBe(0);
  expect((await g.agor(['wake', 'worker', '--reason', 'again'])).code).toBe(0);
  await waitFor(
    'the bell of the dashboard b turned on',
    () => bells(quietOut),
    (n) => n === 1,
  );
});
