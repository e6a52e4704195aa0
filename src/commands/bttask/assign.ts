import { emit, shortId } from '../../cli/output.js';
import { type Verb, expectVersionOption, myId, withBoard } from './shared.js';

export const assign: Verb<{ id: string; agent: string; 'expect-version'?: number }> = {
  command: 'assign <id> <agent>',
  describe: 'Assign a task (the assignee gets a message)',
  builder: (y) => expectVersionOption(y.positional('id', { type: 'string' }).positional('agent', { type: 'string' })),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const t = await withBoard(argv, (db) => b.assign(db, myId(), String(argv.id), String(argv.agent), argv['expect-version']));
    emit(argv.json, t, (x) => [`assigned ${shortId(x.id)} to ${x.assigned_to}`]);
  },
};
