import Database from 'better-sqlite3';

/** What shell completion can offer from the database. */
export type CompletionKind = 'agent' | 'task' | 'channel';

const QUERIES: Record<CompletionKind, string> = {
  agent: `SELECT id FROM agents ORDER BY id LIMIT 500`,
  // Short ids, as bttask prints them; done tasks last, since they are rarely the target.
  task: `SELECT substr(id, 1, 8) AS id FROM tasks ORDER BY (status = 'done'), updated_at DESC LIMIT 500`,
  channel: `SELECT DISTINCT name AS id FROM channels ORDER BY name LIMIT 500`,
};

/**
 * The ids of one kind in the database at `path`, for a shell's completion. Read-only
 * and never creating the file: completion runs on every Tab and must not migrate,
 * write or wait, so a missing, locked or foreign file just gives nothing.
 */
export function completionIds(path: string, kind: CompletionKind): string[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 200 });
    return (db.prepare(QUERIES[kind]).all() as { id: string }[]).map((r) => r.id);
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
