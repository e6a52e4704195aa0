import { readFileSync } from 'node:fs';
import type { CompletionKind } from '../db/completion.js';
import { resolveDbPath } from '../db/path.js';

/** The value of option `flags` (e.g. ['--db']) among the typed `words`, if given. */
export function optionValue(words: string[], flags: string[]): string | undefined {
  for (let i = 0; i < words.length - 1; i++) {
    const w = words[i]!;
    if (flags.includes(w)) return words[i + 1];
    const eq = flags.find((f) => w.startsWith(`${f}=`));
    if (eq) return w.slice(eq.length + 1);
  }
  return undefined;
}

/**
 * Ids of `kind` from the database the typed command line would use (--db, else $AGOR_DB, else
 * the default). The database code loads only here: every binary imports this module at start-up.
 */
export async function idsFromDb(words: string[], kind: CompletionKind): Promise<string[]> {
  const { completionIds } = await import('../db/completion.js');
  return completionIds(resolveDbPath(optionValue(words, ['--db'])).path, kind);
}

/**
 * The top-level keys `group` and `agents` of an agor.yaml, read without validating it
 * (completion must be fast and quiet; a file that does not parse gives nothing).
 */
export async function yamlTeam(path: string): Promise<{ group?: string; agents: string[] }> {
  try {
    const { parse } = await import('yaml');
    const doc = parse(readFileSync(path, 'utf8')) as { group?: unknown; agents?: unknown } | null;
    const agents = doc && typeof doc.agents === 'object' && doc.agents !== null && !Array.isArray(doc.agents) ? Object.keys(doc.agents) : [];
    return { group: typeof doc?.group === 'string' ? doc.group : undefined, agents };
  } catch {
    return { agents: [] };
  }
}
