import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type Verb, myId, withBoard } from './shared.js';

export const history: Verb<{ id: string }> = {
  command: 'history <id>',
  describe: 'Every change to a task: who, when, old → new',
  builder: (y) => y.positional('id', { type: 'string' }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const h = await withBoard(argv, (db) => b.taskHistory(db, myId(), String(argv.id)));
    emit(argv.json, h, (x) => {
      const c = color();
      return [
        c.bold(x.task.title),
        ...x.changes.map((ch) => `${c.dim(ch.created_at)} ${c.bold(ch.agent)} ${ch.field}: ${ch.old ?? c.dim('—')} → ${ch.new ?? c.dim('—')}`),
      ];
    });
  },
};
