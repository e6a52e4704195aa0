import { emit, shortId } from '../../cli/output.js';
import { type Verb, expectVersionOption, myId, withBoard } from './shared.js';

export const del: Verb<{ id: string; 'expect-version'?: number }> = {
  command: 'delete <id>',
  describe: 'Delete a task with its comments and dependencies (manager or operator)',
  builder: (y) => expectVersionOption(y.positional('id', { type: 'string' })),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const t = await withBoard(argv, (db) => b.remove(db, myId(), String(argv.id), argv['expect-version']));
    emit(argv.json, t, (x) => [`deleted ${shortId(x.id)} ${x.title}`]);
  },
};
