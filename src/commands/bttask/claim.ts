import { color } from '../../cli/color.js';
import { emit, shortId } from '../../cli/output.js';
import { parseDuration } from '../../core/durations.js';
import { type Verb, myId, withBoard } from './shared.js';

/**
 * Test only, never a user option: with exactly this value, claims skip their compare-and-set
 * so two claimers can win one task, the broken build `agor selftest` must catch.
 */
const UNSAFE_CLAIM_VALUE = 'skip-compare-and-set';

export const claim: Verb<{ id?: string; lease?: string }> = {
  command: 'claim [id]',
  describe: 'Take a task (or the first ready one) atomically, with a lease; exit 3 when nothing is ready',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Task id (default: the first ready task)' })
      .option('lease', { alias: 'l', type: 'string', requiresArg: true, describe: 'Lease length: 90s, 15m, 2h (default 30m)' }),
  handler: async (argv) => {
    const leaseSeconds = argv.lease !== undefined ? parseDuration(argv.lease, 'lease') : undefined;
    const unsafeSkipCompareAndSet = process.env.AGOR_TEST_UNSAFE_CLAIM === UNSAFE_CLAIM_VALUE;
    if (unsafeSkipCompareAndSet) process.stderr.write('bttask: warning: AGOR_TEST_UNSAFE_CLAIM is set: this claim is not atomic (test only)\n');
    const b = await import('../../task/board.js');
    const t = await withBoard(argv, (db) => b.claim(db, myId(), { id: argv.id, leaseSeconds, runId: process.env.AGOR_RUN_ID || null, unsafeSkipCompareAndSet }));
    emit(argv.json, t, (x) => [
      `claimed ${color().bold(shortId(x.id))} ${x.title}`,
      color().dim(`lease until ${x.lease?.expires_at}; renew with bttask renew ${shortId(x.id)} or btmsg heartbeat`),
    ]);
  },
};
