import { emit, shortId } from '../../cli/output.js';
import { parseDuration } from '../../core/durations.js';
import { type Verb, myId, withBoard } from './shared.js';

export const renew: Verb<{ id: string; lease?: string }> = {
  command: 'renew <id>',
  describe: 'Extend your lease on a task',
  builder: (y) =>
    y
      .positional('id', { type: 'string' })
      .option('lease', { alias: 'l', type: 'string', requiresArg: true, describe: 'New length from now (default: the original)' }),
  handler: async (argv) => {
    const seconds = argv.lease !== undefined ? parseDuration(argv.lease, 'lease') : undefined;
    const b = await import('../../task/board.js');
    const t = await withBoard(argv, (db) => b.renew(db, myId(), String(argv.id), seconds));
    emit(argv.json, t, (x) => [`renewed ${shortId(x.id)} until ${x.lease?.expires_at}`]);
  },
};
