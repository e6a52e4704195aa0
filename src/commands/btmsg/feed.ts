import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { ADMIN } from '../../core/roles.js';
import { type Verb, channelLine, limitOption, messageLine, myId, withDb } from './shared.js';

export const feed: Verb<{ limit: number }> = {
  command: 'feed',
  describe: 'Recent direct and channel messages you can see (all of them for the operator)',
  builder: (y) => limitOption(y, 30, 'messages'),
  handler: async (argv) => {
    const { feed: recent } = await import('../../msg/messages.js');
    const me = myId();
    emit(argv.json, await withDb(argv, (db) => recent(db, me, argv.limit)), (items) =>
      items.length
        ? items.map((i) => (i.kind === 'channel' ? channelLine(i) : messageLine(i, me === ADMIN ? undefined : me) + color().dim(` (${i.from} → ${i.to})`)))
        : [color().dim('nothing yet')],
    );
  },
};
