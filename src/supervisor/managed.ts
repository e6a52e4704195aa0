import { notFound } from '../core/errors.js';
import type { Db } from '../db/open.js';
import { getAgent } from '../db/agents.js';

/** Throws not-found naming every id that no supervisor has registered in this database. */
export function requireManaged(db: Db, ids: string[]): void {
  const unknown = ids.filter((id) => getAgent(db, id)?.managed !== 1);
  if (unknown.length) throw notFound(`no agent ${unknown.map((u) => `'${u}'`).join(', ')} is managed by agor here`, 'agor ps lists the agents');
}
