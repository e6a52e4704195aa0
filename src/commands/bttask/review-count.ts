import { emit } from '../../cli/output.js';
import { type Verb, myId, withBoard } from './shared.js';

export const reviewCount: Verb<object> = {
  command: 'review-count',
  describe: 'Print how many tasks wait for review',
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const n = await withBoard(argv, (db) => b.reviewCount(db, myId()));
    emit(argv.json, { review: n }, (r) => [String(r.review)]);
  },
};
