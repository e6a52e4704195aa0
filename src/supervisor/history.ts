import type { Db } from '../db/open.js';
import { listRuns } from '../db/runs.js';
import { type RunView, runView } from './views.js';

export interface RunHistoryOptions {
  /** Only this agent's runs. */
  agent?: string;
  limit: number;
}

/** The newest runs, newest first, as `agor runs` and the dashboard show them. */
export function runHistory(db: Db, o: RunHistoryOptions): RunView[] {
  return listRuns(db, { agent: o.agent, limit: o.limit }).map(runView);
}
