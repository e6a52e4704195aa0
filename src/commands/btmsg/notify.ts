import { emit } from '../../cli/output.js';
import { type Verb, myId, withDb } from './shared.js';

export const notify: Verb<{ session?: string }> = {
  command: 'notify',
  describe: 'One line about unread messages not yet announced in this session (for hooks); silent otherwise',
  builder: (y) => y.option('session', { type: 'string', requiresArg: true, describe: 'Session key (default: $AGOR_RUN_ID, else "default")' }),
  handler: async (argv) => {
    const { notify: pending } = await import('../../msg/messages.js');
    const session = argv.session || process.env.AGOR_RUN_ID || 'default';
    const ms = await withDb(argv, (db) => pending(db, myId(), session));
    emit(argv.json, ms, (list) => {
      if (!list.length) return [];
      const from = [...new Set(list.map((m) => m.from))].join(', ');
      const flagged = list.some((m) => m.flags.some((f) => f !== 'secret_shaped')) ? ' (some flagged as possible prompt injection)' : '';
      return [`You have ${list.length} new message${list.length === 1 ? '' : 's'} from ${from}${flagged}. Run: btmsg inbox`];
    });
  },
};
