import type { ValueSource } from '../../cli/completion.js';
import { idsFromDb } from '../../cli/completion-values.js';

const STATES = ['todo', 'progress', 'review', 'done', 'blocked'];
const PRIORITIES = ['critical', 'high', 'medium', 'low'];

/** Task ids (short), agent ids, states and priorities for bttask's completion. */
export const completeValues: ValueSource = (arg, _path, words) => {
  if (['id', 'ids', 'task', 'depends-on', 'parent'].includes(arg)) return idsFromDb(words, 'task');
  if (['agent', 'assign'].includes(arg)) return idsFromDb(words, 'agent');
  if (arg === 'state' || arg === 'status') return STATES;
  if (arg === 'priority') return PRIORITIES;
  return [];
};
