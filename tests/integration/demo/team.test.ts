// The demo team (examples/demo/agor.yaml) under a real supervisor makes progress on its own:
// the manager fills the board, workers claim and hand in, the reviewer approves, a crashed
// worker is restarted, a silent one is flagged stalled, and messages flow. Then agor down
// leaves nothing running.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { type RunResult, json, runAsync } from '../../helpers/cli.js';
import { type RunView, alive, group, processesMentioning, sleep, waitFor } from '../agor/fixture.js';
import { EXAMPLES, cleanEnv } from './helpers.js';

interface Task {
  id: string;
  title: string;
  status: string;
  assigned_to: string | null;
}
interface Change {
  agent: string;
  field: string;
  old: string | null;
  new: string | null;
}
interface FeedItem {
  kind: 'message' | 'channel';
  from: string;
  to?: string;
  channel?: string;
  content: string;
}

/** What the test waits for, read from the database through the CLIs. */
interface Progress {
  /** A task moved review → done by the reviewer. */
  approved: string | null;
  /** carol: a failed run (exit 1) and a later run. */
  crashRestarted: boolean;
  /** bob flagged stalled by the supervisor. */
  stalled: boolean;
  /** Direct messages worker → manager and manager → worker, and a review verdict. */
  messages: { toManager: number; fromManager: number; verdicts: number };
  /** Runs with reported (fake) tokens and cost. */
  costed: number;
}

const ok = <T>(r: RunResult, what: string): T => {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stderr}`);
  return json<T>(r);
};

test('the demo team makes progress: tasks approved through review, a crash restarted, a stall flagged, messages exchanged', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  // btmsg, bttask and agor that must never run: the demo uses this clone's build, so it
  // works from a fresh clone without npm link (and whatever else is on PATH).
  const poison = join(g.dir, 'poison-bin');
  mkdirSync(poison);
  for (const b of ['btmsg', 'bttask', 'agor']) {
    writeFileSync(join(poison, b), `#!/bin/sh\necho "$0 $*" >>"${join(g.dir, 'poisoned')}"\nexit 99\n`);
    chmodSync(join(poison, b), 0o755);
  }
  const env = cleanEnv({
    DEMO_CRASH_EVERY: '1', // carol crashes in every task she takes
    DEMO_STALL_EVERY: '1', // bob goes silent after every task he hands in
    DEMO_REJECT_EVERY: '0', // the reviewer approves everything
  });
  env.PATH = `${poison}:${env.PATH}`;
  const as = (who: string) => ({ env: { ...env, BTMSG_AGENT_ID: who }, timeout: 20_000 });

  const up = await g.agor(['up', '-d', '-f', join(EXAMPLES, 'demo', 'agor.yaml')], { env, timeout: 40_000 });
  expect(up.code, up.stderr).toBe(0);

  const read = async (): Promise<Progress> => {
    const [runs, done, audit, feed] = await Promise.all([
      g.agor(['runs', '-n', '1000', '--json'], { env }).then((r) => ok<RunView[]>(r, 'agor runs')),
      runAsync('bttask', ['list', '-s', 'done', '--json', '--db', g.db], as('admin')).then((r) => ok<Task[]>(r, 'bttask list')),
      g.agor(['audit', '--type', 'agent_stalled', '--json'], { env }).then((r) => ok<{ detail: { agent?: string } }[]>(r, 'agor audit')),
      runAsync('btmsg', ['feed', '-n', '500', '--json', '--db', g.db], as('admin')).then((r) => ok<FeedItem[]>(r, 'btmsg feed')),
    ]);
    let approved: string | null = null;
    for (const t of done) {
      const h = ok<{ changes: Change[] }>(await runAsync('bttask', ['history', t.id, '--json', '--db', g.db], as('admin')), 'bttask history');
      if (h.changes.some((c) => c.field === 'status' && c.old === 'review' && c.new === 'done' && c.agent === 'reviewer')) {
        approved = t.id;
        break;
      }
    }
    const carol = runs.filter((r) => r.agent === 'carol').sort((a, b) => a.incarnation - b.incarnation);
    const crashed = carol.find((r) => r.outcome === 'failed' && r.exit_code === 1);
    const direct = feed.filter((m) => m.kind === 'message');
    return {
      approved,
      crashRestarted: crashed !== undefined && carol.some((r) => r.incarnation > crashed.incarnation),
      stalled: audit.some((a) => a.detail.agent === 'bob'),
      messages: {
        toManager: direct.filter((m) => m.to === 'manager' && ['alice', 'bob', 'carol'].includes(m.from)).length,
        fromManager: direct.filter((m) => m.from === 'manager' && ['alice', 'bob', 'carol'].includes(m.to ?? '')).length,
        verdicts: direct.filter((m) => m.from === 'reviewer' && /^Review of .*: approved/.test(m.content)).length,
      },
      costed: runs.filter((r) => (r.tokens_in ?? 0) > 0 && (r.cost_usd ?? 0) > 0).length,
    };
  };

  const seen = await waitFor(
    'the demo team to approve a task, restart a crashed worker, flag a stall and exchange messages',
    read,
    (p) => p.approved !== null && p.crashRestarted && p.stalled && p.messages.toManager > 0 && p.messages.fromManager > 0 && p.messages.verdicts > 0 && p.costed > 0,
    { timeout: 60_000, interval: 1000 },
  );
  expect(seen.approved).not.toBeNull();

  // The manager split the job with dependencies: something waited on something else.
  const all = ok<Task[]>(await runAsync('bttask', ['list', '-a', '--json', '--db', g.db], as('admin')), 'bttask list -a');
  expect(all.filter((t) => t.title.startsWith('job 1: '))).toHaveLength(8);
  const ship = all.find((t) => t.title === 'job 1: Ship release 0.1')!;
  const shown = ok<{ depends_on: unknown[] }>(await runAsync('bttask', ['show', ship.id, '--json', '--db', g.db], as('admin')), 'bttask show');
  expect(shown.depends_on).toHaveLength(3);

  // The worker and the manager talked both ways.
  const talk = ok<FeedItem[]>(await runAsync('btmsg', ['history', 'manager', '--json', '-n', '100', '--db', g.db], as('alice')), 'btmsg history');
  expect(talk.some((m) => m.from === 'alice') && talk.some((m) => m.from === 'manager')).toBe(true);

  const down = await g.agor(['down'], { env, timeout: 30_000 });
  expect(down.code, down.stderr).toBe(0);
  const left = await waitFor(
    'every process of the demo to exit',
    () => processesMentioning(g.dir).filter(alive),
    (l) => l.length === 0,
    { timeout: 5000, interval: 100 },
  );
  expect(left).toEqual([]);
  await sleep(100);
  expect(existsSync(join(g.dir, 'poisoned')), 'an agent ran btmsg, bttask or agor from PATH instead of the clone').toBe(false);
}, 95_000);
