import { color } from '../../cli/color.js';
import { emit, shortId } from '../../cli/output.js';
import { plainSnippet, snippetParts } from '../../core/text.js';
import { type Verb, limitOption, myId, withDb } from './shared.js';

export const search: Verb<{ query: string[]; limit: number; raw?: boolean }> = {
  command: 'search <query..>',
  describe: 'Full-text search over messages and channels you can see, best first',
  builder: (y) =>
    limitOption(
      y.positional('query', { type: 'string', array: true }).option('raw', { type: 'boolean', describe: 'Pass the query to FTS5 as is (AND, OR, NEAR, prefix*)' }),
      20,
      'hits',
    ),
  handler: async (argv) => {
    const { search: find } = await import('../../msg/messages.js');
    const hits = await withDb(argv, (db) => find(db, myId(), argv.query.map(String).join(' '), { limit: argv.limit, raw: argv.raw }));
    if (argv.json)
      return emit(
        true,
        hits.map((h) => ({ ...h, snippet: plainSnippet(h.snippet) })),
        () => [],
      );
    // Split at the match marks, so the parts are shown safely and the matches get the colour.
    const parts = hits.map((h) => ({ ...h, snippet: snippetParts(h.snippet) }));
    emit(false, parts, (hs) => {
      if (!hs.length) return [color().dim('no matches')];
      const c = color();
      const mark = (s: string) => (c.level ? c.bold.yellow(s) : `[${s}]`);
      return hs.map(
        (h) =>
          `${c.bold(h.kind === 'channel' ? h.id.slice(0, 8) : shortId(h.id))}  ${c.dim(h.created_at.slice(5, 16))}  ${h.from} → ${h.to}  ` +
          h.snippet.map((p, i) => (i % 2 ? mark(p) : p)).join(''),
      );
    });
  },
};
