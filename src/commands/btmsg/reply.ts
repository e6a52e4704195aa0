import { readBody } from '../../cli/input.js';
import { reportSend } from './send.js';
import { type Verb, myId, withDb } from './shared.js';

export const reply: Verb<{ id: string; message: string[] }> = {
  command: 'reply <id> <message..>',
  describe: 'Reply to a message (acknowledges it); "-" reads stdin',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Message id or unique prefix' })
      .positional('message', { type: 'string', array: true, describe: 'Reply text, or - for stdin' }),
  handler: async (argv) => {
    const body = await readBody(argv.message);
    const { reply: doReply } = await import('../../msg/messages.js');
    reportSend(await withDb(argv, (db) => doReply(db, myId(), String(argv.id), body)), argv.json, 'replied');
  },
};
