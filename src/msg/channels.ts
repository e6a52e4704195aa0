import { conflict, notFound, usage } from '../core/errors.js';
import { refused } from './refusals.js';
import type { AgentRow } from '../db/agents.js';
import { audit } from '../db/audit.js';
import {
  type ChannelRow,
  addMember,
  channelByName,
  channelHistory,
  channelMessagesAfter,
  insertChannel,
  insertChannelMessage,
  isMember,
  listChannels,
  maxChannelRowid,
  membersOf,
} from '../db/channels.js';
import { type Db, writeTx } from '../db/open.js';
import { requireAgent, requireOther } from './agents.js';
import { validateBody } from './body.js';
import { newId } from '../core/ids.js';
import { AGENT_ID } from '../core/identity.js';
import { auditFlags, textFlags } from './flags.js';
import { type ChannelMessage, toChannelMessage } from './views.js';

/** Channel names follow the agent-id pattern. */
const CHANNEL_NAME = AGENT_ID;

/** "#review-queue" and "review-queue" name the same channel. */
function normalizeChannel(name: string): string {
  const n = name.trim().replace(/^#/, '');
  if (n === '') throw usage('channel name is empty');
  if (!CHANNEL_NAME.test(n)) throw usage(`invalid channel name '${name}'`, 'use 1-64 letters, digits, dot, dash or underscore');
  return n;
}

function requireChannel(db: Db, name: string): ChannelRow {
  const n = normalizeChannel(name);
  const c = channelByName(db, n);
  if (!c) throw notFound(`no channel #${n}`, 'btmsg channel list shows the channels');
  return c;
}

function requireMembership(db: Db, c: ChannelRow, me: AgentRow, action: string, verb: string): void {
  if (me.tier === 0 || isMember(db, c.id, me.id)) return;
  throw refused(
    { agent: me.id, action: verb, target: `#${c.name}` },
    `${me.id} is not a member of #${c.name} and may not ${action}`,
    `a member can add you: btmsg channel add ${c.name} ${me.id}`,
  );
}

export interface ChannelView {
  id: string;
  name: string;
  group: string;
  created_by: string;
  created_at: string;
  members: string[];
}

const toView = (db: Db, c: ChannelRow): ChannelView => ({
  id: c.id,
  name: c.name,
  group: c.group_id,
  created_by: c.created_by,
  created_at: c.created_at,
  members: membersOf(db, c.id),
});

/**
 * The channel named `name`, created by `createdBy` with `members` if it does not exist
 * yet. For channels the tools post to on their own, such as #review-queue. Call inside
 * a write transaction.
 */
function ensureChannel(db: Db, name: string, createdBy: AgentRow, members: string[] = []): ChannelRow {
  const n = normalizeChannel(name);
  let c = channelByName(db, n);
  if (!c) {
    insertChannel(db, { id: newId(), name: n, group_id: createdBy.group_id, created_by: createdBy.id });
    c = channelByName(db, n)!;
    audit(db, createdBy.id, 'channel_created', { channel: n });
  }
  for (const m of [createdBy.id, ...members]) addMember(db, c.id, m);
  return c;
}

export function create(db: Db, meId: string | undefined, name: string, members: string[]): ChannelView {
  const n = normalizeChannel(name);
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    if (channelByName(db, n)) throw conflict(`channel #${n} already exists`, `add members with: btmsg channel add ${n} <agent>`);
    for (const m of members) requireOther(db, m);
    const c = ensureChannel(db, n, me, members);
    return toView(db, c);
  });
}

export interface ChannelListItem {
  name: string;
  group: string;
  created_by: string;
  members: number;
  messages: number;
  member: boolean;
}

export function list(db: Db, meId: string | undefined): ChannelListItem[] {
  const me = requireAgent(db, meId);
  return listChannels(db, me.id).map((c) => ({
    name: c.name,
    group: c.group_id,
    created_by: c.created_by,
    members: c.members,
    messages: c.messages,
    member: c.member === 1,
  }));
}

export function post(db: Db, meId: string | undefined, name: string, content: string): ChannelMessage {
  validateBody(content);
  const findings = textFlags(content);
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const c = requireChannel(db, name);
    requireMembership(db, c, me, 'post to it', 'channel send');
    const row = insertChannelMessage(db, {
      id: newId(),
      channel_id: c.id,
      from_agent: me.id,
      content,
      flags: findings.length ? findings.join(',') : null,
    });
    audit(db, me.id, 'channel_message', { id: row.id, channel: c.name, bytes: Buffer.byteLength(content) });
    auditFlags(db, me.id, { id: row.id, channel: c.name }, findings);
    return toChannelMessage(row);
  });
}

export function history(db: Db, meId: string | undefined, name: string, limit: number): ChannelMessage[] {
  const me = requireAgent(db, meId);
  const c = requireChannel(db, name);
  requireMembership(db, c, me, 'read it', 'channel history');
  return channelHistory(db, c.id, limit).map(toChannelMessage);
}

export function add(db: Db, meId: string | undefined, name: string, agentId: string): { channel: ChannelView; added: boolean } {
  return writeTx(db, () => {
    const me = requireAgent(db, meId);
    const c = requireChannel(db, name);
    if (me.role !== 'manager') requireMembership(db, c, me, 'add members', 'channel add');
    const a = requireOther(db, agentId);
    const added = addMember(db, c.id, a.id);
    if (added) audit(db, me.id, 'channel_member_added', { channel: c.name, agent: a.id });
    return { channel: toView(db, c), added };
  });
}

/** For `btmsg wait --channel`: the channel and the rowid to wait beyond. */
export function waitCursor(db: Db, me: AgentRow, name: string): { channel: ChannelRow; after: number } {
  const c = requireChannel(db, name);
  requireMembership(db, c, me, 'wait on it', 'wait');
  return { channel: c, after: maxChannelRowid(db) };
}

export function nextChannelMessage(db: Db, me: AgentRow, channelId: string, after: number): ChannelMessage | undefined {
  const row = channelMessagesAfter(db, channelId, after, me.id);
  return row ? toChannelMessage(row) : undefined;
}

/**
 * Posts on the tools' behalf to a channel they keep (#review-queue, #review-log),
 * creating it on first use with `members`. Call inside a write transaction.
 */
export function postSystem(db: Db, actor: AgentRow, name: string, content: string, members: string[] = []): ChannelMessage {
  const c = ensureChannel(db, name, actor, members);
  const row = insertChannelMessage(db, { id: newId(), channel_id: c.id, from_agent: actor.id, content, flags: null });
  audit(db, actor.id, 'channel_message', { id: row.id, channel: c.name, bytes: Buffer.byteLength(content) });
  return toChannelMessage(row);
}
