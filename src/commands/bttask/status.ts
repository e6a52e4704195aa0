import { emit, shortId } from '../../cli/output.js';
import { type Verb, expectVersionOption, myId, stateLabel, withBoard } from './shared.js';

export const status: Verb<{ id: string; state: string; comment?: string; 'expect-version'?: number }> = {
  command: 'status <id> <state>',
  describe: 'Move a task to todo, progress, review, done or blocked',
  builder: (y) =>
    expectVersionOption(
      y
        .positional('id', { type: 'string' })
        .positional('state', { type: 'string', describe: 'todo, progress, review, done or blocked' })
        .option('comment', { alias: 'm', type: 'string', requiresArg: true, describe: 'Comment to add (required when sending back from review)' }),
    ),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const t = await withBoard(argv, (db) =>
      b.setStatus(db, myId(), String(argv.id), String(argv.state), { comment: argv.comment, expectVersion: argv['expect-version'] }),
    );
    emit(argv.json, t, (x) => [`${shortId(x.id)} is now ${stateLabel(x.status)}`]);
  },
};
