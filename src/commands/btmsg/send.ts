import { color } from '../../cli/color.js';
import { Exit, UserError } from '../../core/errors.js';
import { readBody } from '../../cli/input.js';
import { printJson, printLines, shortId } from '../../cli/output.js';
import { reportError } from '../../cli/run.js';
import type { SendResult } from '../../msg/messages.js';
import { type Verb, myId, withDb } from './shared.js';

/** Prints what happened to a sent message; a dead letter is exit 8 with the reason on stderr. */
export function reportSend(r: SendResult, json: boolean | undefined, verb: string): void {
  if (json) printJson(r.stored ? r.message : { dead_letter: r.dead_letter });
  if (!r.stored) {
    const d = r.dead_letter;
    // Through the one error path, so --json gets its JSON error object on stderr too.
    const hint = `kept as dead letter #${d.id}; requeue it later with: btmsg dlq requeue ${d.id}`;
    reportError('btmsg', new UserError(`not delivered: ${d.reason}`, hint, Exit.DEAD_LETTER), Boolean(json));
    process.exitCode = Exit.DEAD_LETTER;
    return;
  }
  if (json) return;
  const m = r.message;
  const flagged = m.flags.length ? color().yellow(`  (flagged: ${m.flags.join(', ')})`) : '';
  printLines([`${verb} ${color().bold(shortId(m.id))} to ${m.to}${flagged}`]);
}

export const send: Verb<{ to: string; message: string[] }> = {
  command: 'send <to> <message..>',
  describe: 'Send a direct message (words are joined; "-" reads stdin)',
  builder: (y) =>
    y
      .positional('to', { type: 'string', describe: 'Recipient agent id' })
      .positional('message', { type: 'string', array: true, describe: 'Message text, or - for stdin' }),
  handler: async (argv) => {
    const body = await readBody(argv.message);
    const { send: doSend } = await import('../../msg/messages.js');
    reportSend(await withDb(argv, (db) => doSend(db, myId(), String(argv.to), body)), argv.json, 'sent');
  },
};
