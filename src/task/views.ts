import type { CommentRow, HistoryRow, LeaseRow, TaskRow } from '../db/tasks.js';
import { type TextFlag, textFlags } from '../msg/flags.js';

export const STATES = ['todo', 'progress', 'review', 'done', 'blocked'] as const;
export type State = (typeof STATES)[number];
export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Lease {
  agent: string;
  run_id: string | null;
  /** ISO 8601 UTC. */
  expires_at: string;
  claimed_at: string;
  seconds_left: number;
}

/** A task as every binary, the dashboard and the relay show it (the `--json` shape). */
export interface Task {
  id: string;
  title: string;
  description: string;
  status: string;
  priority: string;
  assigned_to: string | null;
  created_by: string;
  group_id: string;
  parent_task_id: string | null;
  sort_order: number;
  created_at: string;
  updated_at: string;
  version: number;
  lease: Lease | null;
  /** Possible prompt injection or a credential's shape found in the title or description (computed when read, never stored). */
  flags: TextFlag[];
}

const toLease = (l: LeaseRow, now = Math.floor(Date.now() / 1000)): Lease => ({
  agent: l.agent_id,
  run_id: l.run_id,
  expires_at: new Date(l.expires_at * 1000).toISOString(),
  claimed_at: l.claimed_at,
  seconds_left: Math.max(0, l.expires_at - now),
});

export const toTask = (t: TaskRow, lease?: LeaseRow | null): Task => ({
  id: t.id,
  title: t.title,
  description: t.description ?? '',
  status: t.status,
  priority: t.priority,
  assigned_to: t.assigned_to,
  created_by: t.created_by,
  group_id: t.group_id,
  parent_task_id: t.parent_task_id,
  sort_order: t.sort_order,
  created_at: t.created_at,
  updated_at: t.updated_at,
  version: t.version,
  lease: lease ? toLease(lease) : null,
  flags: taskFlags(t.title, t.description ?? ''),
});

/** The findings of a title and description together, each once. */
export const taskFlags = (title: string, description: string): TextFlag[] => [...new Set([...textFlags(title), ...textFlags(description)])];

export interface Comment {
  id: string;
  task_id: string;
  agent: string;
  content: string;
  created_at: string;
  /** Possible prompt injection or a credential's shape found in the comment (computed when read). */
  flags: TextFlag[];
}
export const toComment = (c: CommentRow): Comment => ({
  id: c.id,
  task_id: c.task_id,
  agent: c.agent_id,
  content: c.content,
  created_at: c.created_at,
  flags: textFlags(c.content),
});

export interface Change {
  agent: string;
  field: string;
  old: string | null;
  new: string | null;
  created_at: string;
}
export const toChange = (h: HistoryRow): Change => ({ agent: h.agent_id, field: h.field, old: h.old_value, new: h.new_value, created_at: h.created_at });
