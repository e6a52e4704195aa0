import type { ChannelMessageRow } from '../db/channels.js';
import type { DeadLetterRow } from '../db/deadletters.js';
import type { DeliveryState, MessageRow } from '../db/messages.js';

/** A direct message as every binary, the dashboard and the relay show it (the `--json` shape). */
export interface Message {
  id: string;
  from: string;
  to: string;
  content: string;
  reply_to: string | null;
  group_id: string;
  created_at: string;
  delivered_at: string | null;
  seen_at: string | null;
  acked_at: string | null;
  state: DeliveryState;
  flags: string[];
}

export interface ChannelMessage {
  id: string;
  channel: string;
  from: string;
  content: string;
  created_at: string;
  flags: string[];
}

export interface DeadLetter {
  id: number;
  message_id: string | null;
  from: string;
  to: string;
  content: string;
  reason: string;
  reply_to: string | null;
  created_at: string;
  flags: string[];
}

const splitFlags = (flags: string | null): string[] => (flags ? flags.split(',').filter(Boolean) : []);

export const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  from: r.from_agent,
  to: r.to_agent,
  content: r.content,
  reply_to: r.reply_to,
  group_id: r.group_id,
  created_at: r.created_at,
  delivered_at: r.delivered_at,
  seen_at: r.seen_at,
  acked_at: r.acked_at,
  state: r.state,
  flags: splitFlags(r.flags),
});

export const toChannelMessage = (r: ChannelMessageRow): ChannelMessage => ({
  id: r.id,
  channel: r.channel,
  from: r.from_agent,
  content: r.content,
  created_at: r.created_at,
  flags: splitFlags(r.flags),
});

export const toDeadLetter = (r: DeadLetterRow): DeadLetter => ({
  id: r.id,
  message_id: r.message_id,
  from: r.from_agent,
  to: r.to_agent,
  content: r.content,
  reason: r.error,
  reply_to: r.reply_to,
  created_at: r.created_at,
  flags: splitFlags(r.flags),
});
