import type { Migration } from './index.js';

/**
 * Wakes say who asked for them and what in their text looks like a prompt injection
 * (`agor wake --prompt` from an agent goes into another agent's prompt).
 *
 * A message's wake is always reason 'message'. Version 5 read the reason from the text
 * ("Task assigned to you:", "Review requested:"), so any agent could forge a task or
 * review wake by how it began a message; bttask now sets those reasons itself, in the
 * transaction that stores its notice (setMessageWakeReason).
 */
export const wakeReasons: Migration = {
  version: 7,
  name: 'wake-reasons',
  up: `
ALTER TABLE wakes ADD COLUMN requested_by TEXT;
ALTER TABLE wakes ADD COLUMN flags TEXT;
DROP TRIGGER IF EXISTS messages_wake_ai;
CREATE TRIGGER messages_wake_ai AFTER INSERT ON messages
WHEN new.from_agent != new.to_agent AND (SELECT managed FROM agents WHERE id = new.to_agent) = 1 BEGIN
  INSERT INTO wakes(agent, reason, detail) VALUES (new.to_agent, 'message', new.id);
END;
`,
};
