import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type Verb, limitOption, messageLine, myId, withDb } from './shared.js';

export const history: Verb<{ agent: string; limit: number }> = {
  command: 'history <agent>',
  describe: 'Your conversation with an agent, oldest first',
  builder: (y) => limitOption(y.positional('agent', { type: 'string', describe: 'The other agent' }), 20, 'messages'),
  handler: async (argv) => {
    const { history: conv } = await import('../../msg/messages.js');
    const me = myId();
    emit(argv.json, await withDb(argv, (db) => conv(db, me, String(argv.agent), argv.limit)), (ms) =>
      ms.length ? ms.map((m) => messageLine(m, me)) : [color().dim(`no messages with ${argv.agent}`)],
    );
  },
};
