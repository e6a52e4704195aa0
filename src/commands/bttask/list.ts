import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type Verb, limitOption, myId, taskLine, withBoard } from './shared.js';

export const list: Verb<{ all?: boolean; status?: string; mine?: boolean; limit: number }> = {
  command: 'list',
  describe: 'List open tasks by priority (project agents see their own)',
  builder: (y) =>
    limitOption(
      y
        .option('all', { alias: 'a', type: 'boolean', describe: 'Include done tasks' })
        .option('status', { alias: 's', type: 'string', requiresArg: true, describe: 'Only this state' })
        .option('mine', { alias: 'm', type: 'boolean', describe: 'Only tasks assigned to you' }),
      500,
      'tasks',
    ),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const tasks = await withBoard(argv, (db) => b.list(db, myId(), { all: argv.all, status: argv.status, mine: argv.mine, limit: argv.limit }));
    emit(argv.json, tasks, (ts) => (ts.length ? ts.map(taskLine) : [color().dim('no tasks')]));
  },
};
