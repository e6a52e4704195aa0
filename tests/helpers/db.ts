import { afterEach, beforeEach } from 'vitest';
import { upsertAgent } from '../../src/db/agents.js';
import { type Db, openDb, writeTx } from '../../src/db/open.js';
import { insertRun, setManaged } from '../../src/db/runs.js';
import { tempDb } from './cli.js';

export interface FreshDb {
  /** The open database of the current test. */
  readonly db: Db;
  /** Its file. */
  readonly path: string;
  /** The test's own directory, removed after it. */
  readonly dir: string;
}

/** A fresh database for each test of the enclosing describe: opened before it, closed and removed after. */
export function freshDb(): FreshDb {
  let t: ReturnType<typeof tempDb>;
  let db: Db;
  beforeEach(() => {
    t = tempDb();
    db = openDb({ path: t.db });
  });
  afterEach(() => {
    if (db.open) db.close();
    t.cleanup();
  });
  return {
    get db() {
      return db;
    },
    get path() {
      return t.db;
    },
    get dir() {
      return t.dir;
    },
  };
}

/** Registers `managed` as agents agor manages and `others` as plain btmsg agents, all of group g. */
export function addAgents(db: Db, managed: string[], others: string[] = []): void {
  writeTx(db, () => {
    for (const id of [...managed, ...others]) upsertAgent(db, { id, name: id, role: 'project', group_id: 'g', tier: 2, model: null, cwd: null });
    for (const id of managed) setManaged(db, id, true);
  });
}

/** Records a run of `agent` started at `startedAt` (a manual wake, no timeout). */
export const addRun = (db: Db, id: string, agent: string, startedAt: number, log: string | null = null) =>
  writeTx(db, () => insertRun(db, { id, agent, log_path: log, started_at: startedAt, wake_reason: 'manual', timeout_ms: null, restart_delay_ms: null }));
