/**
 * `agor search`: one ranked search over messages, channel posts, tasks, comments and the
 * agents' run logs. Each source is asked for its best hits by FTS5's bm25; as bm25 values
 * of different tables are not comparable, each hit's score mixes its rank within its
 * source with its absolute bm25, so the best of every source comes near the top and a
 * strong hit beats a weak one.
 */
import { parseSince } from '../core/durations.js';
import { usage } from '../core/errors.js';
import type { Db } from '../db/open.js';
import { type SearchKind, type SourceHit, searchSource } from '../db/search.js';
import { toFtsQuery } from '../msg/messages.js';

export type { SearchKind };
export const SEARCH_KINDS: readonly SearchKind[] = ['message', 'channel', 'task', 'comment', 'log'];

export interface SearchOptions {
  text: string;
  /** Pass `text` to FTS5 as written (AND, OR, NOT, NEAR, prefix*, "phrases"). */
  raw?: boolean;
  agent?: string;
  /** A duration ago (1h, 2d) or an ISO date/time. */
  since?: string;
  kinds?: readonly SearchKind[];
  limit: number;
  now?: number;
}

export interface SearchHit {
  kind: SearchKind;
  id: string;
  agent: string;
  /** ISO 8601, UTC. */
  at: string;
  /** Where it is: `to bob`, `#general`, a task's title, `run #3`. */
  place: string;
  /** 0..1, higher is better; what the hits are ordered by. */
  score: number;
  /** FTS5's bm25 of the hit within its own source (lower is better). */
  bm25: number;
  /** The matching text with each match between \x01 and \x02. */
  snippet: string;
  /** The task a comment belongs to, the channel of a post, the log line of a run's hit. */
  task?: string;
  channel?: string;
  line?: number;
  /** More hits in the same run's log than this one (the best) shown. */
  more?: number;
  /** A command that shows it. */
  open: string;
}

/** `--kind message,log` -> the kinds; a usage error names what is unknown. */
export function parseKinds(text: string): SearchKind[] {
  const kinds = text
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean)
    .map((k) => (k === 'messages' || k === 'comments' || k === 'tasks' || k === 'logs' || k === 'channels' ? k.slice(0, -1) : k));
  const bad = kinds.filter((k) => !SEARCH_KINDS.includes(k as SearchKind));
  if (bad.length || !kinds.length) throw usage(`unknown --kind '${bad.join(',') || text}'`, `use one or more of ${SEARCH_KINDS.join(', ')}, separated by commas`);
  return [...new Set(kinds)] as SearchKind[];
}

const short = (id: string) => id.slice(0, 8);
const isoOf = (sqliteTime: string) => sqliteTime.replace(' ', 'T') + 'Z';

/** The command that shows a hit. */
function openCommand(h: SourceHit): string {
  switch (h.kind) {
    case 'message':
      return `btmsg show ${short(h.id)}`;
    case 'channel':
      return `btmsg channel history ${h.ref}`;
    case 'task':
      return `bttask show ${short(h.id)}`;
    case 'comment':
      return `bttask show ${short(h.ref!)}`;
    case 'log':
      // The log's tail from the matching chunk on.
      return `agor logs ${h.agent} --run ${short(h.id)} -n ${Math.min(100_000, (h.tail ?? 50) + 2)}`;
  }
}

function hitOf(h: SourceHit, score: number): SearchHit {
  const hit: SearchHit = {
    kind: h.kind,
    id: h.id,
    agent: h.agent,
    at: isoOf(h.at),
    place: h.kind === 'message' ? `to ${h.place}` : h.place,
    score: Math.round(score * 1000) / 1000,
    bm25: h.rank,
    snippet: h.snippet,
    open: openCommand(h),
  };
  if (h.kind === 'comment') hit.task = h.ref!;
  if (h.kind === 'channel') hit.channel = h.ref!;
  if (h.kind === 'log') hit.line = Number(h.ref);
  return hit;
}

/** Best run-log chunk per run, counting the others. */
function bestPerRun(hits: SourceHit[]): { hit: SourceHit; more: number }[] {
  const byRun = new Map<string, { hit: SourceHit; more: number }>();
  for (const h of hits) {
    const seen = byRun.get(h.id);
    if (seen) seen.more++;
    else byRun.set(h.id, { hit: h, more: 0 });
  }
  return [...byRun.values()];
}

/** Searches every source asked for; the best `limit` hits, best first. */
export function search(db: Db, o: SearchOptions): SearchHit[] {
  if (o.text.trim() === '') throw usage('search text is empty', 'give the words to look for: agor search WORDS');
  const match = o.raw ? o.text : toFtsQuery(o.text);
  const since = o.since === undefined ? null : parseSince(o.since, o.now);
  const filter = { match, agent: o.agent ?? null, since, sinceMs: since === null ? null : Date.parse(isoOf(since)), limit: o.limit };
  const out: SearchHit[] = [];
  for (const kind of o.kinds ?? SEARCH_KINDS) {
    let rows: SourceHit[];
    try {
      // A run's log has many chunks: more are read so that `limit` runs can be shown.
      rows = searchSource(db, kind, kind === 'log' ? { ...filter, limit: o.limit * 4 } : filter);
    } catch (e) {
      // The SQL is fixed, so with --raw an SQLITE_ERROR is the user's query.
      if (o.raw && (e as { code?: unknown }).code === 'SQLITE_ERROR')
        throw usage(`invalid FTS5 query: ${(e as Error).message}`, 'drop --raw to search for the words as typed');
      throw e;
    }
    const runs = kind === 'log' ? bestPerRun(rows) : rows.map((hit) => ({ hit, more: 0 }));
    const best = Math.min(0, ...runs.map((r) => r.hit.rank));
    for (const { hit, more } of runs) {
      // bm25 is negative, better when lower; both parts are in 0..1.
      const within = best < 0 ? hit.rank / best : 1;
      const absolute = -hit.rank / (1 - hit.rank);
      const h = hitOf(hit, 0.5 * within + 0.5 * absolute);
      if (more) h.more = more;
      out.push(h);
    }
  }
  return out.sort((a, b) => b.score - a.score || b.at.localeCompare(a.at)).slice(0, o.limit);
}
