import { emit, shortId } from '../../cli/output.js';
import type { TaskDetail } from '../../task/board.js';
import { type Verb, myId, withBoard } from './shared.js';

const deps = (d: TaskDetail) => [`${shortId(d.task.id)} depends on: ${d.depends_on.map((x) => shortId(x.id)).join(', ') || 'nothing'}`];

const add: Verb<{ task: string; on: string }> = {
  command: 'add <task> <depends-on>',
  describe: 'Make <task> wait for <depends-on> (refused when it would make a cycle)',
  builder: (y) => y.positional('task', { type: 'string' }).positional('depends-on', { type: 'string' }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const on = String((argv as unknown as Record<string, unknown>)['depends-on']);
    emit(argv.json, await withBoard(argv, (db) => b.depAdd(db, myId(), String(argv.task), on)), deps);
  },
};

const rm: Verb<{ task: string }> = {
  command: 'rm <task> <depends-on>',
  describe: 'Remove a dependency',
  builder: (y) => y.positional('task', { type: 'string' }).positional('depends-on', { type: 'string' }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const on = String((argv as unknown as Record<string, unknown>)['depends-on']);
    emit(argv.json, await withBoard(argv, (db) => b.depRm(db, myId(), String(argv.task), on)), deps);
  },
};

export const dep: Verb<object> = {
  command: 'dep',
  describe: 'Dependencies: add | rm <task> <depends-on>',
  builder: (y) => y.command([add, rm] as never).demandCommand(1, 'dep needs a verb: add or rm'),
  handler: () => {},
};
