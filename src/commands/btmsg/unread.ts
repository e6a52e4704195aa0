import { emit } from '../../cli/output.js';
import { type Verb, myId, withDb } from './shared.js';

export const unread: Verb<object> = {
  command: 'unread',
  describe: 'Print the number of your unread messages',
  handler: async (argv) => {
    const { unread: count } = await import('../../msg/messages.js');
    const n = await withDb(argv, (db) => count(db, myId()));
    emit(argv.json, { unread: n }, (r) => [String(r.unread)]);
  },
};
