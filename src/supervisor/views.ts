import type { RunRow } from '../db/runs.js';

/** A run as `agor runs --json` and the protocol show it: times as ISO strings. */
export interface RunView extends Omit<RunRow, 'started_at' | 'ended_at' | 'heartbeat_at' | 'pid_start' | 'boot_id'> {
  started_at: string;
  ended_at: string | null;
  heartbeat_at: string | null;
  duration_s: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function runView(r: RunRow): RunView {
  const { pid_start: _s, boot_id: _b, ...rest } = r;
  return {
    ...rest,
    started_at: new Date(r.started_at).toISOString(),
    ended_at: iso(r.ended_at),
    heartbeat_at: iso(r.heartbeat_at),
    duration_s: r.ended_at === null ? null : Math.round((r.ended_at - r.started_at) / 1000),
  };
}
