import { longTimeout } from '../core/timer.js';
import type { Db } from '../db/open.js';
import { watchDb } from '../db/watch.js';
import { requireAgent, requireOther } from './agents.js';
import { nextChannelMessage, waitCursor } from './channels.js';
import { takeNext } from './messages.js';
import type { ChannelMessage, Message } from './views.js';

export interface WaitOptions {
  /** The waiting agent. */
  me: string | undefined;
  /** Only a direct message from this agent. */
  from?: string;
  /** A new post in this channel instead of a direct message. */
  channel?: string;
  /** Give up after this long; default: wait for ever. */
  timeoutMs?: number;
}

/** What `btmsg wait` prints: the message taken (now delivered) or the channel post. */
export type Arrival = ({ kind: 'message' } & Message) | ({ kind: 'channel' } & ChannelMessage);

export interface WaitResult {
  /** Undefined when the timeout came first. */
  arrival: Arrival | undefined;
  /** What was waited for: the sender's id, the channel's name. */
  from: string | null;
  channel: string | null;
}

/**
 * Waits until a new direct message for `me` (or a post in a channel) arrives, woken by
 * every write to the database file rather than by polling. A direct message is taken:
 * marked delivered, as if listed. Throws as `btmsg send` does for an unknown agent or a
 * channel `me` is not in.
 */
export async function waitForMessage(db: Db, o: WaitOptions): Promise<WaitResult> {
  const me = requireAgent(db, o.me);
  const from = o.from !== undefined ? requireOther(db, o.from).id : null;
  const cursor = o.channel !== undefined ? waitCursor(db, me, o.channel) : undefined;
  const check = (): Arrival | undefined => {
    if (cursor) {
      const m = nextChannelMessage(db, me, cursor.channel.id, cursor.after);
      return m ? { kind: 'channel', ...m } : undefined;
    }
    const m = takeNext(db, me, from);
    return m ? { kind: 'message', ...m } : undefined;
  };
  let stop = () => {};
  let cancel = () => {};
  try {
    const arrival = await new Promise<Arrival | undefined>((resolvePromise, reject) => {
      const attempt = () => {
        try {
          const m = check();
          if (m) resolvePromise(m);
        } catch (e) {
          reject(e);
        }
      };
      // Watch first, then look: nothing that lands in between is missed.
      stop = watchDb(db.name, attempt);
      // Chained timers: one setTimeout above ~24.8 days would fire at once.
      if (o.timeoutMs !== undefined) cancel = longTimeout(() => resolvePromise(undefined), o.timeoutMs);
      attempt();
    });
    return { arrival, from, channel: cursor?.channel.name ?? null };
  } finally {
    cancel();
    stop();
  }
}
