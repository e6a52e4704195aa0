import { emit } from '../../cli/output.js';
import { type Verb, actorId, withDb } from './shared.js';

export const allow: Verb<{ from: string; to: string; bidirectional?: boolean }> = {
  command: 'allow <from> <to>',
  describe: 'Let <from> message <to>; operator or manager only',
  builder: (y) =>
    y
      .positional('from', { type: 'string' })
      .positional('to', { type: 'string' })
      .option('bidirectional', { alias: 'b', type: 'boolean', describe: 'Also let <to> message <from>' }),
  handler: async (argv) => {
    const { allow: add } = await import('../../msg/agents.js');
    const r = await withDb(argv, (db) => add(db, actorId(), String(argv.from), String(argv.to), Boolean(argv.bidirectional)));
    emit(argv.json, { added: r.added.map(([from, to]) => ({ from, to })) }, (x) =>
      x.added.length ? x.added.map((e) => `allowed ${e.from} → ${e.to}`) : ['already allowed'],
    );
  },
};
