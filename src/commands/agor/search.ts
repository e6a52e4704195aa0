import { color } from '../../cli/color.js';
import { emit, shortId } from '../../cli/output.js';
import { plainSnippet, snippetParts } from '../../core/text.js';
import type { SearchHit } from '../../supervisor/search.js';
import { type Verb, limitOption, shellWord, withDb } from './shared.js';

interface SearchArgs {
  text: string[];
  agent?: string;
  since?: string;
  kind?: string;
  limit: number;
  raw?: boolean;
}

/** A shell word: as is when it needs no quoting, else in single quotes. */

/** `agor search` as text: where each hit is, its snippet with the matches marked, and how to open it. */
export function searchLines(hits: (Omit<SearchHit, 'snippet'> & { snippet: string[] })[]): string[] {
  const c = color();
  if (!hits.length) return [c.dim('no matches')];
  const mark = (s: string) => (c.level ? c.bold.yellow(s) : `[${s}]`);
  return hits.flatMap((h) => [
    `${c.bold(h.kind.padEnd(7))}  ${shortId(h.id)}  ${h.agent}  ${c.dim(h.at.slice(0, 16).replace('T', ' '))}  ${h.place}${h.more ? c.dim(`  (+${h.more} more in this run)`) : ''}`,
    '  ' + h.snippet.map((p, i) => (i % 2 ? mark(p) : p)).join(''),
    c.dim(`  ${h.open}`),
  ]);
}

export const search: Verb<SearchArgs> = {
  command: 'search <text..>',
  describe: 'Search messages, channel posts, tasks, comments and run logs at once, best first',
  builder: (y) =>
    limitOption(
      y
        .positional('text', { type: 'string', array: true, describe: 'The words to look for (all of them, in any order)' })
        .option('agent', { type: 'string', requiresArg: true, describe: 'Only what this agent wrote, received, was assigned or ran' })
        .option('since', { type: 'string', requiresArg: true, describe: 'Only since a time: a duration ago (1h, 2d) or a date (2026-11-21)' })
        .option('kind', { type: 'string', requiresArg: true, describe: 'Only these sources, comma-separated: message, channel, task, comment, log' })
        .option('raw', { type: 'boolean', describe: 'Pass the text to FTS5 as is (AND, OR, NOT, NEAR, prefix*, "phrases")' }),
      20,
      'hits',
    ),
  handler: async (argv) => {
    const { search: find, parseKinds } = await import('../../supervisor/search.js');
    const kinds = argv.kind === undefined ? undefined : parseKinds(argv.kind);
    const text = argv.text.map(String).join(' ');
    const hits = await withDb(argv, (db) => find(db, { text, raw: argv.raw, agent: argv.agent, since: argv.since, kinds, limit: argv.limit }));
    // The open commands name the database the search read, when it was not the default.
    const db = argv.db === undefined ? '' : ` --db ${shellWord(argv.db)}`;
    const withOpen = hits.map((h) => ({ ...h, open: h.open + db }));
    if (argv.json)
      return emit(
        true,
        withOpen.map((h) => ({ ...h, snippet: plainSnippet(h.snippet) })),
        () => [],
      );
    // Split at the match marks, so the parts are shown safely and the matches get the colour.
    emit(
      false,
      withOpen.map((h) => ({ ...h, snippet: snippetParts(h.snippet) })),
      searchLines,
    );
  },
};
