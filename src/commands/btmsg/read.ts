import { emit } from '../../cli/output.js';
import { type Verb, messageBlock, myId, withDb } from './shared.js';

export const read: Verb<{ id: string }> = {
  command: 'read <id>',
  describe: 'Show a message in full and mark it seen',
  builder: (y) => y.positional('id', { type: 'string', describe: 'Message id or unique prefix' }),
  handler: async (argv) => {
    const { read: doRead } = await import('../../msg/messages.js');
    emit(argv.json, await withDb(argv, (db) => doRead(db, myId(), String(argv.id))), messageBlock);
  },
};
