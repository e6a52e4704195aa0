import { emit, shortId } from '../../cli/output.js';
import { type Verb, myId, withBoard } from './shared.js';

export const release: Verb<{ id: string }> = {
  command: 'release <id>',
  describe: 'Give a claimed task back (to todo)',
  builder: (y) => y.positional('id', { type: 'string' }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const t = await withBoard(argv, (db) => b.release(db, myId(), String(argv.id)));
    emit(argv.json, t, (x) => [`released ${shortId(x.id)}; it is ${x.status} again`]);
  },
};
