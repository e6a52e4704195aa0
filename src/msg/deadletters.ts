import { notFound, usage } from '../core/errors.js';
import { refused } from './refusals.js';
import { audit } from '../db/audit.js';
import { deleteDeadLetter, getDeadLetter, listDeadLetters, purgeDeadLetters } from '../db/deadletters.js';
import { getAgent } from '../db/agents.js';
import { getMessage, insertMessage } from '../db/messages.js';
import { type Db, writeTx } from '../db/open.js';
import { requireAgent } from './agents.js';
import { queueMessageWake } from './messages.js';
import { newId } from '../core/ids.js';
import { type DeadLetter, type Message, toDeadLetter, toMessage } from './views.js';

/** Dead letters I sent or that were meant for me; all of them for the operator. */
export function list(db: Db, meId: string | undefined, limit: number): DeadLetter[] {
  const me = requireAgent(db, meId);
  return listDeadLetters(db, me.tier === 0 ? null : me.id, limit).map(toDeadLetter);
}

function parseDlqId(id: string): number {
  const t = id.trim().replace(/^#/, '');
  if (t === '') throw usage('dead letter id is empty');
  if (!/^\d+$/.test(t)) throw usage(`invalid dead letter id '${id}'`, 'dead letter ids are numbers: see btmsg dlq list');
  return Number(t);
}

/**
 * Puts a dead letter back into its recipient's inbox as a queued message (same id) and
 * removes it from the queue. The operator or the original sender may do it.
 */
export function requeue(db: Db, meId: string | undefined, id: string): Message {
  const n = parseDlqId(id);
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const d = getDeadLetter(db, n);
    if (!d) throw notFound(`no dead letter #${n}`, 'btmsg dlq list shows the queue');
    if (me.tier !== 0 && d.from_agent !== me.id)
      throw refused({ agent: me.id, action: 'dlq requeue', target: `#${n}` }, 'only the operator or the sender can requeue a dead letter');
    const to = getAgent(db, d.to_agent);
    if (!to) throw notFound(`recipient '${d.to_agent}' is no longer registered`, `purge it instead: btmsg dlq purge --id ${n}`);
    const from = getAgent(db, d.from_agent);
    const msgId = d.message_id && !getMessage(db, d.message_id) ? d.message_id : newId();
    const row = insertMessage(db, {
      id: msgId,
      from_agent: d.from_agent,
      to_agent: d.to_agent,
      content: d.content,
      reply_to: d.reply_to,
      group_id: to.group_id,
      sender_group_id: from?.group_id ?? null,
      flags: d.flags,
    });
    // A requeued letter wakes its recipient as a message just sent would.
    queueMessageWake(db, d.from_agent, to, msgId, 'message');
    deleteDeadLetter(db, n);
    audit(db, me.id, 'dead_letter_requeued', { dead_letter: n, id: msgId, to: d.to_agent });
    return toMessage(row);
  });
}

/**
 * Deletes dead letters: one (`id`), those older than `before`, or all visible to me.
 * Returns how many went.
 */
export function purge(db: Db, meId: string | undefined, opts: { id?: string; before?: string }): number {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    let n: number;
    if (opts.id !== undefined) {
      const dl = parseDlqId(opts.id);
      const d = getDeadLetter(db, dl);
      if (!d) throw notFound(`no dead letter #${dl}`);
      if (me.tier !== 0 && d.from_agent !== me.id && d.to_agent !== me.id)
        throw refused({ agent: me.id, action: 'dlq purge', target: `#${dl}` }, 'that dead letter is not yours to purge');
      n = deleteDeadLetter(db, dl);
    } else {
      n = purgeDeadLetters(db, me.tier === 0 ? null : me.id, opts.before ?? null);
    }
    if (n) audit(db, me.id, 'dead_letters_purged', { count: n, ...(opts.id ? { id: opts.id } : {}), ...(opts.before ? { before: opts.before } : {}) });
    return n;
  });
}
