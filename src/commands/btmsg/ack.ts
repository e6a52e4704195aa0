import { emit, shortId } from '../../cli/output.js';
import { type Verb, myId, withDb } from './shared.js';

export const ack: Verb<{ id: string }> = {
  command: 'ack <id>',
  describe: 'Acknowledge a message addressed to you',
  builder: (y) => y.positional('id', { type: 'string', describe: 'Message id or unique prefix' }),
  handler: async (argv) => {
    const { ack: doAck } = await import('../../msg/messages.js');
    const r = await withDb(argv, (db) => doAck(db, myId(), String(argv.id)));
    emit(argv.json, r.message, (m) => [r.changed ? `acked ${shortId(m.id)}` : `${shortId(m.id)} was already acked`]);
  },
};
