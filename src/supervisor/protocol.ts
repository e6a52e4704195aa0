/**
 * The control socket's protocol: JSON lines over a Unix socket (docs/protocol.md).
 * Shared by the supervisor, the agor verbs, the dashboard and the relay.
 */
export const PROTOCOL_VERSION = 1;

/** A line longer than this is refused (and skipped), never buffered whole. */
export const MAX_LINE_BYTES = 1024 * 1024;

export const OPS = ['hello', 'list', 'start', 'stop', 'restart', 'wake', 'logs', 'subscribe', 'unsubscribe', 'reload', 'shutdown'] as const;
export type Op = (typeof OPS)[number];

export interface Request {
  id?: string | number | null;
  op: Op;
  [key: string]: unknown;
}

export interface ErrorBody {
  /** not_found, usage, not_permitted, conflict, busy, bad_request, too_large, failure */
  code: string;
  message: string;
  hint?: string;
  /** The exit code a CLI verb uses for this error. */
  exit: number;
}

export type Response = { id: Request['id']; ok: true; result: unknown } | { id: Request['id']; ok: false; error: ErrorBody };

export type State = 'running' | 'idle' | 'stalled' | 'dormant' | 'inactive' | 'failed';
export type Health = 'healthy' | 'degraded' | 'failed';

/** One agent as `list` and `agor ps --json` show it. */
export interface AgentView {
  id: string;
  name: string;
  role: string;
  mode: 'service' | 'on-demand';
  strategy: string;
  state: State;
  health: Health;
  pid: number | null;
  run_id: string | null;
  /** ISO time the current run started, null when not running. */
  started_at: string | null;
  uptime_s: number | null;
  last_output_at: string | null;
  /** The current run's last heartbeat (btmsg heartbeat, agor report); with output, what stall_after counts. */
  last_heartbeat_at: string | null;
  restarts: number;
  attempts: number;
  next_start_at: string | null;
  pending_wakes: number;
  unread: number;
  claimed: number;
  attention: number;
  attention_reason: string | null;
  /** False when the process runs but no supervisor watches it. */
  supervised: boolean;
  /** Seconds without output or heartbeat after which it counts as stalled (null: unknown). */
  stall_after_s: number | null;
  /** How its latest ended run ended, with the failure's class and the run's note (null: no run ended yet). */
  last_outcome: string | null;
  last_error_class: string | null;
  last_note: string | null;
  /** How that run's process ended: its exit code, or the signal that ended it (null: unknown). */
  last_exit_code: number | null;
  last_signal: string | null;
  /** The last meaningful line of that run's output, scrubbed (null: none recorded). */
  last_line: string | null;
  /**
   * Its budgets, by the one closest to its limit (its own or the group's): ok, near (80%
   * or more) or spent (no new run starts until resets_at); null when no budget bears on it.
   */
  /** Its own git worktree (`worktree:` in agor.yaml) once made: where its runs work, on which branch; null: none. */
  worktree?: { path: string; branch: string; base: string } | null;
  budget?: {
    status: 'ok' | 'near' | 'spent';
    scope: 'agent' | 'group';
    period: 'daily' | 'monthly';
    kind: 'cost' | 'tokens';
    spent: number;
    limit: number;
    percent: number;
    resets_at: string;
  } | null;
}

export type Event =
  | { event: 'state'; at: string; agent: string; state: State; health: Health; pid: number | null; reason?: string }
  | { event: 'run_start'; at: string; agent: string; run: string; pid: number | null; incarnation: number; wake_reason: string | null; adopted?: boolean }
  | {
      event: 'run_end';
      at: string;
      agent: string;
      run: string;
      outcome: string;
      exit_code: number | null;
      signal: string | null;
      error_class: string | null;
      note: string | null;
    }
  | { event: 'stall'; at: string; agent: string; run: string; silent_s: number; action: string }
  | { event: 'wake'; at: string; agent: string; wake: number; reason: string; detail: string | null }
  | { event: 'log'; at: string; agent: string; run: string; text: string }
  | { event: 'supervisor'; at: string; status: 'ready' | 'stopping'; pid: number }
  /** agor.yaml re-read (`agor reload`, SIGHUP): applied, or refused with the reason and nothing changed. */
  | {
      event: 'reload';
      at: string;
      status: 'applied' | 'refused';
      added: string[];
      removed: string[];
      restarted: string[];
      updated: string[];
      error: string | null;
    }
  /** A budget spent (no new run starts until its period resets), or reset at its period's boundary. */
  | {
      event: 'budget';
      at: string;
      agent: string;
      status: 'exceeded' | 'reset';
      /** Whose budget: the agent's own, or the group's (which every agent shares). */
      scope: 'agent' | 'group';
      period: 'daily' | 'monthly';
      /** 'cost' in `currency`, or 'tokens'. */
      kind: 'cost' | 'tokens';
      spent: number;
      limit: number;
      currency: string | null;
    }
  /**
   * Two agents' work collides: 'overlap' (two agents changed one file of a shared working
   * tree), 'external' (a file changed by no agent), 'merge' (two worktrees' work would not merge).
   */
  | { event: 'conflict'; at: string; id: number; kind: 'overlap' | 'external' | 'merge'; agents: string[]; files: string[] }
  /**
   * A notification (`notify:`), sent after rate limiting: shown on the desktop when `desktop`,
   * and ringing the dashboards' terminal bell when `bell`. `kind` is a NotifyEvent, or 'summary'.
   */
  | { event: 'notify'; at: string; kind: string; agent: string | null; title: string; body: string; bell: boolean; desktop: boolean };

/** One line of the supervisor's log for an event. */
export function formatEvent(ev: Event): string {
  switch (ev.event) {
    case 'state':
      return `${ev.agent}: ${ev.state} (${ev.health})${ev.reason ? ` — ${ev.reason}` : ''}`;
    case 'run_start':
      return `${ev.agent}: run ${ev.run.slice(0, 8)} ${ev.adopted ? 're-adopted' : 'started'} (pid ${ev.pid ?? '-'}, #${ev.incarnation}, ${ev.wake_reason ?? 'start'})`;
    case 'run_end':
      return `${ev.agent}: run ${ev.run.slice(0, 8)} ended: ${ev.outcome}${ev.exit_code !== null ? `, exit ${ev.exit_code}` : ''}${ev.signal ? `, ${ev.signal}` : ''}${ev.error_class ? `, ${ev.error_class}` : ''}${ev.note ? ` (${ev.note})` : ''}`;
    case 'stall':
      return `${ev.agent}: stalled, silent for ${ev.silent_s} s (on_stall: ${ev.action})`;
    case 'wake':
      return `${ev.agent}: wake #${ev.wake} (${ev.reason}${ev.detail ? `: ${ev.detail}` : ''})`;
    case 'log':
      return `${ev.agent}: ${ev.text}`;
    case 'supervisor':
      return `supervisor ${ev.status} (pid ${ev.pid})`;
    case 'reload':
      return ev.status === 'refused' ? `reload refused: ${ev.error ?? 'unknown error'}` : `reloaded agor.yaml: ${reloadSummary(ev)}`;
    case 'budget':
      return `${ev.agent}: ${ev.scope} ${ev.period} ${ev.kind} budget ${ev.status === 'exceeded' ? 'spent' : 'reset'} (${ev.spent}/${ev.limit}${ev.currency ? ` ${ev.currency}` : ''})`;
    case 'conflict':
      return `conflict #${ev.id} (${ev.kind}): ${ev.agents.join(', ') || 'no agent'} on ${ev.files.join(', ')}`;
    case 'notify':
      return `notify ${ev.kind}: ${ev.title} — ${ev.body}${ev.desktop ? '' : ' (not on the desktop)'}`;
  }
}

/** "added a, b; restarted c" for a reload event; "no changes" when nothing changed. */
export function reloadSummary(ev: { added: string[]; removed: string[]; restarted: string[]; updated: string[] }): string {
  const parts = (
    [
      ['added', ev.added],
      ['removed', ev.removed],
      ['restarted', ev.restarted],
      ['updated', ev.updated],
    ] as const
  )
    .filter(([, ids]) => ids.length)
    .map(([what, ids]) => `${what} ${ids.join(', ')}`);
  return parts.length ? parts.join('; ') : 'no changes';
}
