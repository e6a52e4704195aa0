import type { ValueSource } from '../../cli/completion.js';
import { idsFromDb } from '../../cli/completion-values.js';

/** Agent ids and channel names for btmsg's completion, from the database. */
export const completeValues: ValueSource = (arg, path, words) => {
  if (arg === 'channel' || (path[0] === 'channel' && arg === 'name')) return idsFromDb(words, 'channel');
  if (['to', 'from', 'agent', 'members', 'for'].includes(arg) || (path[0] === 'history' && arg === 'agent')) return idsFromDb(words, 'agent');
  return [];
};
