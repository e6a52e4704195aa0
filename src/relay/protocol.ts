/**
 * The relay's protocol (docs/relay.md): the control socket's requests, responses and
 * events (docs/protocol.md), one JSON object per WebSocket text message, plus the
 * database reads the local dashboard does and the actions that are database writes.
 * Shared by agor-relay, `agor --host` and the dashboard's remote source.
 */
import type { Op as ControlOp } from '../supervisor/protocol.js';

export { type AgentView, type ErrorBody, type Event as ControlEvent, type Response } from '../supervisor/protocol.js';

/** The relay protocol's version, in `hello`'s `relay` field. */
export const RELAY_PROTOCOL = 1;

/** What a token may do: watch only, or act (and shut the supervisor down). */
export type Role = 'read' | 'admin';

/**
 * Requests that only read, answered for every token. A request's `id` is its own (echoed in
 * the response), so the ops on a task (task, task_history, move_task, comment) name it `task`.
 */
export const READ_OPS = [
  'hello',
  'list',
  'logs',
  'subscribe',
  'unsubscribe',
  'status',
  'fleet',
  'board',
  'task',
  'task_history',
  'feed',
  'dead_letters',
  'runs',
  'audit',
  'log_tail',
  'approvals',
] as const;

/** Requests that change something: an `admin` token only; each is audited with the token's name. */
export const ADMIN_OPS = ['start', 'stop', 'restart', 'wake', 'reload', 'shutdown', 'send', 'move_task', 'comment', 'approve', 'deny'] as const;

export type ReadOp = (typeof READ_OPS)[number];
export type AdminOp = (typeof ADMIN_OPS)[number];
export type RelayOp = ReadOp | AdminOp;

/** The control-socket ops the relay passes to the supervisor (the rest it answers itself). */
export type PassedOp = Extract<RelayOp, ControlOp>;

export const isRelayOp = (op: unknown): op is RelayOp =>
  typeof op === 'string' && ((READ_OPS as readonly string[]).includes(op) || (ADMIN_OPS as readonly string[]).includes(op));
export const isAdminOp = (op: RelayOp): op is AdminOp => (ADMIN_OPS as readonly string[]).includes(op);

/** `hello`'s answer from a relay. */
export interface RelayHello {
  /** The control protocol's version (1). */
  protocol: number;
  /** The relay protocol's version (RELAY_PROTOCOL). */
  relay: number;
  /** The relay machine's host name. */
  host: string;
  /** The database it serves (absolute path on that machine). */
  db: string;
  /** The group of that database's supervisor, or the last one registered; null when none. */
  group: string | null;
  /** The token's name and role. */
  token: string;
  role: Role;
  /** The supervisor the relay is attached to, null when none runs. */
  supervisor: { pid: number; group: string | null } | null;
}

/**
 * Events a relay adds to the supervisor's (sent to a subscribed connection):
 * `changed` when the database changed (another process wrote: a message, a task move),
 * so a dashboard reads again; `attached`/`lost` when the relay finds or loses the supervisor.
 */
export type RelayEvent = { event: 'changed'; at: string } | { event: 'upstream'; at: string; status: 'attached' | 'lost'; pid: number | null };

/** The largest WebSocket message either side accepts. */
export const MAX_PAYLOAD = 1024 * 1024;
/** A peer whose unsent data passes this is disconnected. */
export const MAX_BUFFERED = 8 * 1024 * 1024;
/** The relay pings every PING_MS; a client that misses two pongs is terminated. */
export const PING_MS = 15_000;

/** The default port of a relay (`wss://HOST:7650`). */
export const DEFAULT_PORT = 7650;
