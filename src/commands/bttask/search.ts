import { color } from '../../cli/color.js';
import { emit, shortId } from '../../cli/output.js';
import { plainSnippet } from '../../core/text.js';
import { type Verb, limitOption, myId, stateLabel, withBoard } from './shared.js';

export const search: Verb<{ query: string[]; limit: number }> = {
  command: 'search <query..>',
  describe: 'Full-text search over titles, descriptions and comments, best first',
  builder: (y) => limitOption(y.positional('query', { type: 'string', array: true }), 20, 'hits'),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const hits = await withBoard(argv, (db) => b.search(db, myId(), argv.query.map(String).join(' '), argv.limit));
    const clean = hits.map((h) => ({ ...h, snippet: plainSnippet(h.snippet) }));
    emit(argv.json, clean, (hs) =>
      hs.length
        ? hs.map(
            (h) =>
              `${color().bold(shortId(h.task_id))} ${stateLabel(h.status)} ${h.title}${h.kind === 'comment' ? color().dim(' (comment)') : ''}\n    ${h.snippet.replace(/\s+/g, ' ')}`,
          )
        : [color().dim('no matches')],
    );
  },
};
