import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { agentTable } from './agentviews.js';
import { type Verb, myId, withDb } from './shared.js';

export const contacts: Verb<object> = {
  command: 'contacts',
  describe: 'The agents you may message',
  handler: async (argv) => {
    const { contacts: list } = await import('../../msg/agents.js');
    emit(argv.json, await withDb(argv, (db) => list(db, myId())), (as) => (as.length ? agentTable(as, false) : [color().dim('no contacts')]));
  },
};
