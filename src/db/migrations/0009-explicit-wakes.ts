import type { Db } from '../open.js';
import type { Migration } from './index.js';

/**
 * Message wakes are queued by the code that stores the message, in its transaction, with
 * their reason given (message, or bttask's task and review), so the trigger that queued
 * them goes. The wakes it queued stay in the table, pending or consumed, as they were.
 */
export const explicitWakes: Migration = {
  version: 9,
  name: 'explicit-wakes',
  up: (db: Db) => {
    db.exec('DROP TRIGGER IF EXISTS messages_wake_ai;');
  },
};
