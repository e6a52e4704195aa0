import { color } from '../../cli/color.js';
import { emit, shortId } from '../../cli/output.js';
import { type Verb, myId, withBoard } from './shared.js';

export const add: Verb<{ title: string[]; desc?: string; priority?: string; assign?: string; parent?: string; mergeOnDone?: boolean }> = {
  command: 'add <title..>',
  describe: 'Create a task (words of the title are joined)',
  builder: (y) =>
    y
      .positional('title', { type: 'string', array: true })
      .option('desc', { alias: 'd', type: 'string', requiresArg: true, describe: 'Description (up to 64 KiB)' })
      .option('priority', { alias: 'p', type: 'string', requiresArg: true, describe: 'critical, high, medium (default) or low' })
      .option('assign', { type: 'string', requiresArg: true, describe: 'Assign to this agent' })
      .option('parent', { type: 'string', requiresArg: true, describe: 'Parent task id' })
      .option('merge-on-done', { type: 'boolean', describe: "Moving it to done (a reviewer's approval) merges the assignee's branch (agor merge)" }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const t = await withBoard(argv, (db) =>
      b.add(db, myId(), {
        title: argv.title.map(String).join(' '),
        description: argv.desc,
        priority: argv.priority,
        assign: argv.assign,
        parent: argv.parent,
        mergeOnDone: argv.mergeOnDone,
      }),
    );
    emit(argv.json, t, (x) => [`created ${color().bold(shortId(x.id))} ${x.title}${x.assigned_to ? ` → ${x.assigned_to}` : ''}`]);
  },
};
