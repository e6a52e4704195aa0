import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type Verb, limitOption, myId, taskLine, withBoard } from './shared.js';

export const ready: Verb<{ for?: string; limit: number }> = {
  command: 'ready',
  describe: 'Todo tasks whose dependencies are all done, by priority then order',
  builder: (y) => limitOption(y.option('for', { type: 'string', requiresArg: true, describe: 'Only tasks this agent could claim' }), 50, 'tasks'),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const tasks = await withBoard(argv, (db) => b.ready(db, myId(), argv.for, argv.limit));
    emit(argv.json, tasks, (ts) => (ts.length ? ts.map(taskLine) : [color().dim('nothing ready')]));
  },
};
