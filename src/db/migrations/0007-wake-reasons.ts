import type { Db } from '../open.js';
import type { Migration } from './index.js';
import { addColumns } from './reconcile.js';

/**
 * Wakes say who asked for them and what in their text looks like a prompt injection
 * (`agor wake --prompt` from an agent goes into another agent's prompt).
 *
 * A message's wake is always reason 'message'. Version 5 read the reason from the text
 * ("Task assigned to you:", "Review requested:"), so any agent could forge a task or
 * review wake by how it began a message. (Migration 9 drops this trigger too: the message
 * domain now queues each wake itself, with its reason, in the transaction that stores it.)
 */
export const wakeReasons: Migration = {
  version: 7,
  name: 'wake-reasons',
  up: (db: Db) => {
    // Only what is missing: a file may have been given the columns already.
    addColumns(db, [
      ['wakes', 'requested_by TEXT'],
      ['wakes', 'flags TEXT'],
    ]);
    db.exec(`
DROP TRIGGER IF EXISTS messages_wake_ai;
CREATE TRIGGER messages_wake_ai AFTER INSERT ON messages
WHEN new.from_agent != new.to_agent AND (SELECT managed FROM agents WHERE id = new.to_agent) = 1 BEGIN
  INSERT INTO wakes(agent, reason, detail) VALUES (new.to_agent, 'message', new.id);
END;
`);
  },
};
