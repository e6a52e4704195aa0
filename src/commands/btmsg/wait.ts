import { Exit, UserError } from '../../core/errors.js';
import { emit } from '../../cli/output.js';
import { longTimeout } from '../../core/timer.js';
import { parseDuration } from '../../core/durations.js';
import { type Verb, channelLine, messageBlock, myId } from './shared.js';

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
    const [{ openDb }, { resolveDbPath }, { watchDb }, agents, messages, channels] = await Promise.all([
      import('../../db/open.js'),
      import('../../db/path.js'),
      import('../../db/watch.js'),
      import('../../msg/agents.js'),
      import('../../msg/messages.js'),
      import('../../msg/channels.js'),
    ]);
    const db = openDb({ path: argv.db });
    let stop = () => {};
    let cancel = () => {};
    try {
      const me = agents.requireAgent(db, myId());
      const from = argv.from !== undefined ? agents.requireOther(db, argv.from).id : null;
      const cursor = argv.channel !== undefined ? channels.waitCursor(db, me, argv.channel) : undefined;
      const check = () =>
        cursor
          ? (() => {
              const m = channels.nextChannelMessage(db, me, cursor.channel.id, cursor.after);
              return m ? { kind: 'channel' as const, ...m } : undefined;
            })()
          : (() => {
              const m = messages.takeNext(db, me, from);
              return m ? { kind: 'message' as const, ...m } : undefined;
            })();
      const found = await new Promise<ReturnType<typeof check>>((resolvePromise, reject) => {
        const attempt = () => {
          try {
            const m = check();
            if (m) resolvePromise(m);
          } catch (e) {
            reject(e);
          }
        };
        // Watch first, then look: nothing that lands in between is missed.
        stop = watchDb(resolveDbPath(argv.db).path, attempt);
        // Chained timers: one setTimeout above ~24.8 days would fire at once.
        if (timeoutS !== undefined) cancel = longTimeout(() => resolvePromise(undefined), timeoutS * 1000);
        attempt();
      });
      if (!found) {
        const what = cursor ? `post in #${cursor.channel.name}` : from ? `message from ${from}` : 'message';
        throw new UserError(`no new ${what} within ${argv.timeout}${/^\d+(\.\d+)?$/.test(String(argv.timeout)) ? 's' : ''}`, undefined, Exit.TIMEOUT);
      }
      emit(argv.json, found, (m) => (m.kind === 'channel' ? [channelLine(m)] : messageBlock(m)));
    } catch (e) {
      (await import('../../msg/refusals.js')).recordRefusal(db, e);
      throw e;
    } finally {
      cancel();
      stop();
      db.close();
    }
  },
};
