import { statSync } from 'node:fs';
import { notFound, usage } from '../core/errors.js';
import type { Db } from '../db/open.js';
import { getAgent } from '../db/agents.js';
import { type RunRow, getRun, latestRun, runIdsByPrefix } from '../db/runs.js';
import { ControlClient, liveSupervisor } from './client.js';
import { readFrom, tailLines } from './logs.js';
import { type Scrubber, scrubShapes } from '../secrets/scrub.js';
import { scrubLines } from './scrubbing.js';

export interface LogsOptions {
  agent: string;
  /** A run id or prefix; default the latest run (and, following, each later one). */
  run?: string;
  lines: number;
  follow: boolean;
  /** Ends following (else it goes on until the process is interrupted). */
  signal?: AbortSignal;
  /**
   * What the output of `run` (of an agent of `group`) read from its file passes through
   * (default: token shapes). Output that comes from a supervisor was scrubbed there, with
   * the run's own secrets.
   */
  scrubFor?: RunScrubberFor;
}

/** The scrubber of a run of an agent of `group`. */
export type RunScrubberFor = (run: RunRow, group: string) => Scrubber;

/** Output of one run: whole lines, possibly several, as read from its log. */
export type OnLogText = (agent: string, run: string | null, text: string) => void;

/** The run of `agent` that `prefix` names (a unique id prefix), else its latest; usage or not_found when it is ambiguous or unknown. */
export function findRun(db: Db, agent: string, prefix?: string): RunRow | undefined {
  if (!prefix) return latestRun(db, agent);
  const ids = runIdsByPrefix(db, prefix).filter((id) => getRun(db, id)?.agent === agent);
  if (ids.length > 1) throw usage(`run prefix '${prefix}' is ambiguous`, 'give more of the id');
  if (!ids.length) throw notFound(`no run '${prefix}' of ${agent}`, `agor runs ${agent} lists them`);
  return getRun(db, ids[0]!);
}

/**
 * Reads an agent's log and hands it to `onText`: the last `lines`, then, with `follow`,
 * new output as it comes until interrupted. Through the control socket when a supervisor
 * runs (so following goes on into the agent's next runs as they start), else straight
 * from the log files. Closes `db` when done, or as soon as the supervisor answers.
 */
export async function followLogs(db: Db, o: LogsOptions, onText: OnLogText): Promise<void> {
  const emit: OnLogText = (agent, run, text) => {
    if (text) onText(agent, run, text);
  };
  const row = getAgent(db, o.agent);
  if (!row) {
    db.close();
    throw notFound(`no agent '${o.agent}'`, 'agor ps lists the agents');
  }
  const fromFile = (run: RunRow, text: string) => emit(o.agent, run.id, (o.scrubFor?.(run, row.group_id) ?? scrubShapes)(text));
  const sup = liveSupervisor(db);
  if (sup) {
    db.close();
    const c = await ControlClient.connect(sup.socket);
    c.onEvent = (ev) => {
      if (ev.event === 'log') emit(ev.agent, ev.run, ev.text);
    };
    const r = await c.request<{ run: string | null; lines: string[] }>('logs', { agent: o.agent, run: o.run, lines: o.lines, follow: o.follow });
    emit(o.agent, r.run, r.lines.length ? r.lines.join('\n') + '\n' : '');
    if (!o.follow || o.signal?.aborted) return c.close();
    o.signal?.addEventListener('abort', () => c.close(), { once: true });
    await c.closed;
    return;
  }
  let run: RunRow | undefined;
  try {
    run = findRun(db, o.agent, o.run);
  } catch (e) {
    db.close();
    throw e;
  }
  if (run?.log_path) fromFile(run, tailLines(run.log_path, o.lines).join('\n'));
  if (!o.follow) {
    db.close();
    return;
  }
  let offset = 0;
  try {
    offset = run?.log_path ? statSync(run.log_path).size : 0;
  } catch {
    /* no log yet */
  }
  while (!o.signal?.aborted) {
    await new Promise((r) => setTimeout(r, 250));
    if (o.signal?.aborted) break;
    // A starting run's record may name its keyring items a moment after its row appears.
    if (run && !run.secret_refs) run = getRun(db, run.id) ?? run;
    if (run?.log_path) {
      const r = readFrom(run.log_path, offset);
      offset = r.offset;
      fromFile(run, r.text);
    }
    if (!o.run) {
      const latest = latestRun(db, o.agent);
      if (latest && latest.id !== run?.id) ((run = latest), (offset = 0));
    }
  }
  db.close();
}

/**
 * The last `lines` lines of an agent's latest run, read from its log file and scrubbed
 * (by default of token shapes); none while `scrubFor` has no scrubber for the run yet.
 */
export function latestLogTail(
  db: Db,
  agent: string,
  lines: number,
  scrubFor?: (run: RunRow, group: string) => Scrubber | null,
): { agent: string; run: string | null; lines: string[] } {
  const run = latestRun(db, agent);
  if (!run?.log_path) return { agent, run: run?.id ?? null, lines: [] };
  const scrub = scrubFor ? scrubFor(run, getAgent(db, agent)?.group_id ?? '') : scrubShapes;
  return { agent, run: run.id, lines: scrub ? scrubLines(tailLines(run.log_path, lines), scrub) : [] };
}
