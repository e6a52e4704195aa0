import { Exit, UserError } from '../../core/errors.js';
import { emit } from '../../cli/output.js';
import { parseDuration } from '../../core/durations.js';
import { type Verb, channelLine, messageBlock, myId, warnOnStderr } from './shared.js';

export const wait: Verb<{ timeout?: string; from?: string; channel?: string }> = {
  command: 'wait',
  describe: 'Block until a new message for you arrives, then print it (exit 6 on timeout)',
  builder: (y) =>
    y
      .option('timeout', { alias: 't', type: 'string', requiresArg: true, describe: 'Give up after this long (seconds, or 30s, 5m, 1h); default: wait forever' })
      .option('from', { type: 'string', requiresArg: true, describe: 'Only a direct message from this agent' })
      .option('channel', { alias: 'c', type: 'string', requiresArg: true, describe: 'Wait for a new post in this channel instead' })
      .conflicts('from', 'channel'),
  handler: async (argv) => {
    const timeoutS = argv.timeout !== undefined ? parseDuration(argv.timeout, 'timeout') : undefined;
    const [{ openDb }, { waitForMessage }] = await Promise.all([import('../../db/open.js'), import('../../msg/wait.js')]);
    const db = openDb({ path: argv.db, warn: warnOnStderr });
    try {
      const r = await waitForMessage(db, {
        me: myId(),
        from: argv.from,
        channel: argv.channel,
        timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
      });
      if (!r.arrival) {
        const what = r.channel !== null ? `post in #${r.channel}` : r.from ? `message from ${r.from}` : 'message';
        throw new UserError(`no new ${what} within ${argv.timeout}${/^\d+(\.\d+)?$/.test(String(argv.timeout)) ? 's' : ''}`, undefined, Exit.TIMEOUT);
      }
      emit(argv.json, r.arrival, (m) => (m.kind === 'channel' ? [channelLine(m)] : messageBlock(m)));
    } catch (e) {
      (await import('../../msg/refusals.js')).recordRefusal(db, e);
      throw e;
    } finally {
      db.close();
    }
  },
};
