import { color } from '../../cli/color.js';
import { emit, shortId } from '../../cli/output.js';
import { parseSince } from '../../core/durations.js';
import { type Verb, deadLetterLine, limitOption, myId, withDb } from './shared.js';

const list: Verb<{ limit: number }> = {
  command: 'list',
  describe: 'Dead letters you sent or were meant for you (all for the operator)',
  builder: (y) => limitOption(y, 100, 'dead letters'),
  handler: async (argv) => {
    const dl = await import('../../msg/deadletters.js');
    emit(argv.json, await withDb(argv, (db) => dl.list(db, myId(), argv.limit)), (ds) => (ds.length ? ds.map(deadLetterLine) : [color().dim('no dead letters')]));
  },
};

const requeue: Verb<{ id: string }> = {
  command: 'requeue <id>',
  describe: "Put a dead letter back in its recipient's inbox",
  builder: (y) => y.positional('id', { type: 'string', describe: 'Dead letter number' }),
  handler: async (argv) => {
    const dl = await import('../../msg/deadletters.js');
    const m = await withDb(argv, (db) => dl.requeue(db, myId(), String(argv.id)));
    emit(argv.json, m, (x) => [`requeued as ${shortId(x.id)} to ${x.to}`]);
  },
};

const purge: Verb<{ id?: string; 'older-than'?: string }> = {
  command: 'purge',
  describe: 'Delete dead letters: all you can see, one (--id), or older ones (--older-than)',
  builder: (y) =>
    y
      .option('id', { type: 'string', requiresArg: true, describe: 'Only this dead letter' })
      .option('older-than', { type: 'string', requiresArg: true, describe: 'Only those older than a duration (7d, 12h) or date' })
      .conflicts('id', 'older-than'),
  handler: async (argv) => {
    const dl = await import('../../msg/deadletters.js');
    const before = argv['older-than'] !== undefined ? parseSince(argv['older-than']) : undefined;
    const n = await withDb(argv, (db) => dl.purge(db, myId(), { id: argv.id, before }));
    emit(argv.json, { purged: n }, (r) => [`purged ${r.purged} dead letter${r.purged === 1 ? '' : 's'}`]);
  },
};

export const dlq: Verb<object> = {
  command: 'dlq',
  describe: 'Dead letters: list | requeue <id> | purge',
  builder: (y) => y.command([list, requeue, purge] as never).demandCommand(1, 'dlq needs a verb: list, requeue or purge'),
  handler: () => {},
};
