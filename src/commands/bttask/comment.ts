import { readBody } from '../../cli/input.js';
import { emit, shortId } from '../../cli/output.js';
import { type Verb, myId, withBoard } from './shared.js';

export const comment: Verb<{ id: string; text: string[] }> = {
  command: 'comment <id> <text..>',
  describe: 'Comment on a task ("-" reads stdin)',
  builder: (y) => y.positional('id', { type: 'string' }).positional('text', { type: 'string', array: true }),
  handler: async (argv) => {
    const text = await readBody(argv.text);
    const b = await import('../../task/board.js');
    const c = await withBoard(argv, (db) => b.comment(db, myId(), String(argv.id), text));
    emit(argv.json, c, (x) => [`commented on ${shortId(x.task_id)}`]);
  },
};
