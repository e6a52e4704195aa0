import type { Db } from '../open.js';
import { legacy } from './0001-legacy.js';
import { messaging } from './0002-messaging.js';
import { board } from './0003-board.js';
import { ready } from './0004-ready.js';
import { supervisor } from './0005-supervisor.js';
import { reconcileSchema } from './0006-reconcile.js';
import { wakeReasons } from './0007-wake-reasons.js';
import { operatorState } from './0008-operator-state.js';
import { explicitWakes } from './0009-explicit-wakes.js';
import { runSandbox } from './0010-run-sandbox.js';
import { secrets } from './0011-secrets.js';
import { runSecretRefs } from './0012-run-secret-refs.js';
import { hookCursors } from './0013-hook-cursors.js';
import { approvals } from './0014-approvals.js';
import { runLogSearch } from './0015-run-log-search.js';
import { runLastLine } from './0016-run-last-line.js';
import { budgets } from './0017-budgets.js';
import { worktrees } from './0018-worktrees.js';
import { conflicts } from './0019-conflicts.js';

export interface Migration {
  version: number;
  name: string;
  /** SQL script, or a function for steps SQL alone cannot express. Runs inside the transaction. */
  up: string | ((db: Db) => void);
}

/** Ordered; each version exactly one more than the last. */
export const migrations: Migration[] = [
  legacy,
  messaging,
  board,
  ready,
  supervisor,
  reconcileSchema,
  wakeReasons,
  operatorState,
  explicitWakes,
  runSandbox,
  secrets,
  runSecretRefs,
  hookCursors,
  approvals,
  runLogSearch,
  runLastLine,
  budgets,
  worktrees,
  conflicts,
];
export const LATEST_VERSION = migrations[migrations.length - 1]!.version;
