import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type Verb, myId, taskLine, withBoard } from './shared.js';

export const priorities: Verb<{ ids?: string[] }> = {
  command: 'priorities [ids..]',
  describe: 'Show the work order; with ids, put those tasks first (in that order) within their priority',
  builder: (y) => y.positional('ids', { type: 'string', array: true }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const ids = (argv.ids ?? []).map(String);
    const tasks = await withBoard(argv, (db) => {
      if (ids.length) b.reorder(db, myId(), ids);
      return b.list(db, myId(), { limit: 500 });
    });
    emit(argv.json, tasks, (ts) => (ts.length ? ts.map((t, i) => `${color().dim(String(i + 1).padStart(3))} ${taskLine(t)}`) : [color().dim('no open tasks')]));
  },
};
