import type { AnyVerb } from '../../cli/run.js';
import { completionVerb } from '../../cli/completion.js';
import { add } from './add.js';
import { assign } from './assign.js';
import { board } from './board.js';
import { claim } from './claim.js';
import { comment } from './comment.js';
import { del } from './delete.js';
import { dep } from './dep.js';
import { history } from './history.js';
import { list } from './list.js';
import { priorities } from './priorities.js';
import { ready } from './ready.js';
import { release } from './release.js';
import { renew } from './renew.js';
import { reviewCount } from './review-count.js';
import { search } from './search.js';
import { show } from './show.js';
import { status } from './status.js';

/** Every bttask verb, in the order --help lists them. */
export const commands: AnyVerb[] = [
  list,
  board,
  show,
  add,
  assign,
  status,
  comment,
  ready,
  claim,
  release,
  renew,
  dep,
  search,
  history,
  priorities,
  reviewCount,
  del,
  completionVerb('bttask'),
];

export const describe = "The team's kanban board: tasks, priorities, dependencies, atomic claims with leases, and reviews.";

export const epilog =
  'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found (or nothing ready to claim), 4 not permitted, 5 conflict, 6 timeout, 7 busy. See man bttask.';

export { completeValues } from './completion.js';
