// A reload of agor.yaml seen from the dashboard: `agor dash` runs in tmux against a real
// supervisor; the operator edits agor.yaml and runs `agor reload` (then sends a bad file),
// and the status line says what the reload did, or why it was refused.
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { type GroupSpec, group, sh } from '../integration/agor/fixture.js';
import { terminal, titleIs } from './terminal.js';

const AGOR = join(ROOT, 'dist', 'agor.cjs');

const ONE: GroupSpec = { agents: { alpha: { command: sh('exec sleep 300'), stop_grace: '1s' } } };

test('the dashboard shows a reload and its result in the status line, and a refused one with its reason', async ({ onTestFinished }) => {
  const g = group(onTestFinished, ONE);
  await g.up();
  const term = terminal(onTestFinished, 'reload', 100, 30);
  term.start([process.execPath, AGOR, 'dash', '--db', g.db]);
  let s = await term.waitFor('the Fleet with alpha', (x) => titleIs('Fleet')(x) && x.includes('supervisor pid') && /alpha\s+running/.test(x), 15_000);
  term.show('the Fleet before the reload', s);

  g.write({ agents: { ...ONE.agents, beta: { command: sh('exec sleep 300'), stop_grace: '1s' } } });
  const r = await g.agor(['reload']);
  expect(r.code, r.stderr).toBe(0);
  s = await term.waitFor(
    'the reload in the status line and beta in the Fleet',
    (x) => x.includes('agor.yaml reloaded: added beta') && /beta\s+running/.test(x),
    15_000,
  );
  term.show('after agor reload', s);

  g.write('group: test\nagents: [\n');
  expect((await g.agor(['reload'])).code).toBe(2);
  s = await term.waitFor('the refusal in the status line', (x) => /agor\.yaml reload refused: .*agor\.yaml:\d+/.test(x), 15_000);
  term.show('after a refused reload', s);
  term.key('q');
  expect(await term.exited('agor dash to exit')).toBe(0);
});
