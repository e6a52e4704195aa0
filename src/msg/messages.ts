import { usage } from '../core/errors.js';
import { refused } from './refusals.js';
import { type AgentRow, getAgent, hasContact, lastHeartbeat, touchAgent } from '../db/agents.js';
import { audit } from '../db/audit.js';
import { insertDeadLetter } from '../db/deadletters.js';
import {
  type MessageRow,
  allFor,
  conversation,
  getMessage,
  insertMessage,
  markAcked,
  markDelivered,
  markSeen,
  messageIdsByPrefix,
  queuedFor,
  recentMessages,
  recordNotified,
  searchMessages,
  thread,
  unnotified,
  unreadCount,
  unreadFor,
} from '../db/messages.js';
import { recentChannelMessages, searchChannelMessages } from '../db/channels.js';
import { type Db, writeTx } from '../db/open.js';
import { insertWake } from '../db/runs.js';
import { STALE_AFTER_SECONDS, requireAgent, requireOther } from './agents.js';
import { validateBody } from './body.js';
import { newId, resolvePrefix } from '../core/ids.js';
import { type TextFlag, auditFlags, textFlags } from './flags.js';
import { ADMIN } from '../core/roles.js';
import { type ChannelMessage, type DeadLetter, type Message, toChannelMessage, toDeadLetter, toMessage } from './views.js';

export type SendResult = { stored: true; message: Message } | { stored: false; dead_letter: DeadLetter };

/** Why `to` cannot take a message now (dead-letter reason), or null when it can. */
function undeliverableReason(db: Db, to: AgentRow, nowSeconds = Math.floor(Date.now() / 1000)): string | null {
  if (to.managed === 1 || to.tier === 0) return null;
  const hb = lastHeartbeat(db, to.id);
  // Agents that never sent a heartbeat are plain mailboxes: their messages wait.
  if (hb === undefined) return null;
  const age = nowSeconds - hb;
  if (age <= STALE_AFTER_SECONDS) return null;
  return `recipient '${to.id}' has sent no heartbeat for ${Math.round(age / 60)} min (stale after ${STALE_AFTER_SECONDS / 60} min) and cannot be woken`;
}

/** Why a stored message wakes its recipient: a plain message, or bttask's notice of a task or a review. */
export type MessageWake = 'message' | 'task' | 'review';

/**
 * Queues the wake a direct message from `fromId` to `to` causes: only an agent agor manages
 * is woken, and never by its own message. Call in the transaction that stores the message,
 * so the two are written together or not at all.
 */
export function queueMessageWake(db: Db, fromId: string, to: AgentRow, messageId: string, reason: MessageWake): void {
  if (to.managed !== 1 || fromId === to.id) return;
  insertWake(db, { agent: to.id, reason, detail: messageId, prompt: null, timeout_ms: null });
}

/**
 * Stores a message (or dead-letters it) inside the caller's transaction, with the wake it
 * causes. `findings` is worked out before the transaction, so the write lock is not held
 * while scanning text.
 */
function store(
  db: Db,
  me: AgentRow,
  to: AgentRow,
  content: string,
  replyTo: string | null,
  event: string,
  findings: TextFlag[],
  wake: MessageWake = 'message',
): SendResult {
  const flags = findings.length ? findings.join(',') : null;
  const id = newId();
  const reason = undeliverableReason(db, to);
  touchAgent(db, me.id);
  if (reason) {
    const dl = insertDeadLetter(db, { from_agent: me.id, to_agent: to.id, content, error: reason, message_id: id, reply_to: replyTo, flags });
    audit(db, me.id, 'message_dead_lettered', { id, dead_letter: dl.id, to: to.id, reason });
    auditFlags(db, me.id, { id, to: to.id }, findings);
    return { stored: false, dead_letter: toDeadLetter(dl) };
  }
  const row = insertMessage(db, {
    id,
    from_agent: me.id,
    to_agent: to.id,
    content,
    reply_to: replyTo,
    group_id: to.group_id,
    sender_group_id: me.group_id,
    flags,
  });
  queueMessageWake(db, me.id, to, id, wake);
  audit(db, me.id, event, { id, to: to.id, bytes: Buffer.byteLength(content), ...(replyTo ? { reply_to: replyTo } : {}) });
  auditFlags(db, me.id, { id, to: to.id }, findings);
  return { stored: true, message: toMessage(row) };
}

/** May `me` open a conversation with `to`? The operator may reach anyone, and anyone may reach the operator. */
export function checkContact(db: Db, me: AgentRow, to: AgentRow): void {
  if (me.tier === 0 || to.tier === 0 || to.id === ADMIN) return;
  if (!hasContact(db, me.id, to.id)) {
    throw refused(
      { agent: me.id, action: 'send', target: to.id },
      `${me.id} may not message ${to.id}: not a contact`,
      `ask the operator: btmsg allow ${me.id} ${to.id}`,
    );
  }
}

export function send(db: Db, meId: string | undefined, toId: string, content: string): SendResult {
  validateBody(content);
  const findings = textFlags(content);
  const parties = () => {
    const me = requireAgent(db, meId);
    const to = requireOther(db, toId, 'recipient');
    if (to.id === me.id) throw usage('cannot send a message to yourself');
    checkContact(db, me, to);
    return { me, to };
  };
  // Once without the lock: a refusal never waits behind other writers, and the queries are
  // compiled before BEGIN. Again inside, where the answer counts.
  parties();
  return writeTx(db, () => {
    const { me, to } = parties();
    return store(db, me, to, content, null, 'message_sent', findings);
  });
}

/** Resolves a message id visible to `me` (to or from it; everything for the operator). */
function resolveMessage(db: Db, me: AgentRow, idOrPrefix: string): MessageRow {
  const scope = me.tier === 0 ? null : me.id;
  const id = resolvePrefix(idOrPrefix, 'message', (p) => messageIdsByPrefix(db, p, scope));
  return getMessage(db, id)!;
}

export function reply(db: Db, meId: string | undefined, idOrPrefix: string, content: string): SendResult {
  validateBody(content);
  const findings = textFlags(content);
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const original = resolveMessage(db, me, idOrPrefix);
    // Replying to what I received goes back to its sender; to what I sent, it follows up.
    const toId = original.to_agent === me.id ? original.from_agent : original.to_agent;
    const to = getAgent(db, toId);
    if (!to) throw usage(`the other side of that message ('${toId}') is no longer registered`);
    if (to.id === me.id) throw usage('cannot reply to a message you sent yourself');
    if (original.to_agent !== me.id) checkContact(db, me, to);
    if (original.to_agent === me.id && original.acked_at === null) {
      markAcked(db, original.id);
      audit(db, me.id, 'message_acked', { id: original.id, by: 'reply' });
    }
    return store(db, me, to, content, original.id, 'message_replied', findings);
  });
}

export interface InboxResult {
  messages: Message[];
  /** Unread messages beyond the limit (0 with --all). */
  more: number;
}

/** Lists my unread (or, with `all`, recent) messages and marks the queued ones delivered. */
export function inbox(db: Db, meId: string | undefined, opts: { all?: boolean; limit: number }): InboxResult {
  const me = requireAgent(db, meId);
  const load = () => (opts.all ? allFor(db, me.id, opts.limit) : unreadFor(db, me.id, opts.limit));
  let rows = load();
  const queued = rows.filter((r) => r.state === 'queued').map((r) => r.id);
  if (queued.length) {
    // Only the recipient's own listing writes, and only when something changes state.
    rows = writeTx(db, () => {
      const n = markDelivered(db, queued);
      if (n) audit(db, me.id, 'messages_delivered', { count: n, ids: queued.slice(0, 20).map((i) => i.slice(0, 8)) });
      return load();
    });
  }
  const more = opts.all ? 0 : Math.max(0, unreadCount(db, me.id) - rows.length);
  return { messages: rows.map(toMessage), more };
}

/** Shows one message; when it is addressed to me, marks it seen. */
export function read(db: Db, meId: string | undefined, idOrPrefix: string): Message {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const m = resolveMessage(db, me, idOrPrefix);
    if (m.to_agent === me.id && m.state !== 'seen' && m.state !== 'acked') {
      markSeen(db, m.id);
      audit(db, me.id, 'message_read', { id: m.id });
      return toMessage(getMessage(db, m.id)!);
    }
    return toMessage(m);
  });
}

export function ack(db: Db, meId: string | undefined, idOrPrefix: string): { message: Message; changed: boolean } {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const m = resolveMessage(db, me, idOrPrefix);
    if (m.to_agent !== me.id)
      throw refused({ agent: me.id, action: 'ack', target: m.id }, 'only the recipient can acknowledge a message', `it is addressed to ${m.to_agent}`);
    if (m.acked_at !== null) return { message: toMessage(m), changed: false };
    markAcked(db, m.id);
    audit(db, me.id, 'message_acked', { id: m.id });
    return { message: toMessage(getMessage(db, m.id)!), changed: true };
  });
}

/** A message with its delivery state and the whole thread it belongs to. Read-only. */
export function show(db: Db, meId: string | undefined, idOrPrefix: string): { message: Message; thread: Message[] } {
  const me = requireAgent(db, meId);
  const m = resolveMessage(db, me, idOrPrefix);
  const rows = thread(db, m.id).filter((r) => me.tier === 0 || r.to_agent === me.id || r.from_agent === me.id);
  return { message: toMessage(m), thread: rows.map(toMessage) };
}

export function history(db: Db, meId: string | undefined, otherId: string, limit: number): Message[] {
  const me = requireAgent(db, meId);
  const other = requireOther(db, otherId);
  return conversation(db, me.id, other.id, limit).map(toMessage);
}

export function unread(db: Db, meId: string | undefined): number {
  return unreadCount(db, requireAgent(db, meId).id);
}

/**
 * Unread messages not yet announced to `session` (a hook calls this at every turn),
 * recorded in seen_messages so each is announced once per session.
 */
export function notify(db: Db, meId: string | undefined, session: string): Message[] {
  const me = requireAgent(db, meId);
  const pending = unnotified(db, me.id, session);
  if (!pending.length) return [];
  return writeTx(db, () => {
    const fresh = unnotified(db, me.id, session);
    for (const m of fresh) recordNotified(db, session, m.id);
    if (fresh.length) audit(db, me.id, 'messages_notified', { session, count: fresh.length });
    return fresh.map(toMessage);
  });
}

export type FeedItem = ({ kind: 'message' } & Message) | ({ kind: 'channel' } & ChannelMessage);

/** Recent direct and channel traffic I can see (everything for the operator), oldest first. */
export function feed(db: Db, meId: string | undefined, limit: number): FeedItem[] {
  const me = requireAgent(db, meId);
  const scope = me.tier === 0 ? null : me.id;
  const direct = recentMessages(db, scope, limit).map((r) => ({ kind: 'message' as const, ...toMessage(r), sort: [r.created_at, r.rowid] as const }));
  const chan = recentChannelMessages(db, scope, limit).map((r) => ({ kind: 'channel' as const, ...toChannelMessage(r), sort: [r.created_at, r.rowid] as const }));
  return [...direct, ...chan]
    .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.sort[1] - b.sort[1]))
    .slice(-limit)
    .map(({ sort: _sort, ...item }) => item as FeedItem);
}

/** Quotes each word so user text never reaches FTS5 as query syntax. */
export function toFtsQuery(text: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  return words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
}

export interface SearchResult {
  kind: 'message' | 'channel';
  id: string;
  from: string;
  to: string;
  created_at: string;
  snippet: string;
  rank: number;
}

export function search(db: Db, meId: string | undefined, query: string, opts: { limit: number; raw?: boolean }): SearchResult[] {
  const me = requireAgent(db, meId);
  if (query.trim() === '') throw usage('search query is empty');
  const match = opts.raw ? query : toFtsQuery(query);
  const scope = me.tier === 0 ? null : me.id;
  let hits;
  try {
    hits = [...searchMessages(db, match, scope, opts.limit), ...searchChannelMessages(db, match, scope, opts.limit)];
  } catch (e) {
    // The SQL is fixed, so with --raw a plain SQLITE_ERROR is the user's query: a syntax
    // error, an unterminated string, an unknown column filter, a bare '*'.
    if (opts.raw && (e as { code?: unknown }).code === 'SQLITE_ERROR') {
      throw usage(`invalid FTS5 query: ${(e as Error).message}`, 'drop --raw to search for the words as typed');
    }
    throw e;
  }
  return hits
    .sort((a, b) => a.rank - b.rank)
    .slice(0, opts.limit)
    .map((h) => ({ kind: h.kind, id: h.id, from: h.from_agent, to: h.to, created_at: h.created_at, snippet: h.snippet, rank: h.rank }));
}

/**
 * The oldest queued message for `me` (optionally only from `from`), marked delivered,
 * or undefined. `btmsg wait` calls this each time the database changes.
 */
export function takeNext(db: Db, me: AgentRow, from: string | null): Message | undefined {
  if (!queuedFor(db, me.id, from, 1).length) return undefined;
  return writeTx(db, () => {
    const row = queuedFor(db, me.id, from, 1)[0];
    if (!row) return undefined;
    markDelivered(db, [row.id]);
    audit(db, me.id, 'messages_delivered', { count: 1, ids: [row.id.slice(0, 8)], by: 'wait' });
    return toMessage(getMessage(db, row.id)!);
  });
}

/**
 * A message the tools send on an agent's behalf (task assigned, review requested):
 * no contact check, but the same delivery rules, audit and dead letters as `send`.
 * `wake` is the reason of the wake it causes for an agor-managed agent (default
 * 'message'), given here because the text of a message never decides it.
 * Call inside a write transaction.
 */
export function notifyAgent(db: Db, from: AgentRow, toId: string, content: string, wake: MessageWake = 'message'): SendResult | undefined {
  const to = getAgent(db, toId);
  if (!to || to.id === from.id) return undefined;
  return store(db, from, to, content, null, 'message_sent', textFlags(content), wake);
}
