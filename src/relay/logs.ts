import { statSync } from 'node:fs';
import { notFound, usage } from '../core/errors.js';
import { getAgent } from '../db/agents.js';
import type { Db } from '../db/open.js';
import { type RunRow, agentHadSecrets, getRun, latestRun } from '../db/runs.js';
import { type Scrubber, scrubShapes } from '../secrets/scrub.js';
import { RunScrubberCache, keyringOpener } from '../secrets/scrub-run.js';
import { ControlClient, liveSupervisor } from '../supervisor/client.js';
import { readFrom, tailLines } from '../supervisor/logs.js';
import { type RunScrubberFor, findRun } from '../supervisor/logview.js';
import { scrubLines } from '../supervisor/scrubbing.js';
import type { Upstream } from './upstream.js';

/** How often a followed log is read when no supervisor runs (as `agor logs -f` offline). */
const FOLLOW_MS = 250;
/** The most text in one `log` event, in characters: well under the 1 MiB a peer accepts, escapes included. */
const EVENT_CHARS = 128 * 1024;
/** Follows one connection may hold: each with a supervisor is a control connection of its own. */
export const MAX_FOLLOWS = 8;

/**
 * Runs' scrubbers for logs read from their files, as `agor logs` offline makes them: each
 * run's own secret values read again from the keyring its record names, and the token
 * shapes. The keyring library is loaded only once an agent with secrets is read.
 */
export class Scrubbers {
  private cache: Promise<RunScrubberCache> | null = null;
  /** Set once the keyring could not be read (values then are not redacted, token shapes are). */
  note: string | null = null;

  /** The scrubber maker for the runs of `agent`. */
  async forAgent(db: Db, agent: string): Promise<RunScrubberFor> {
    if (!this.cache && !agentHadSecrets(db, agent)) return () => scrubShapes;
    this.cache ??= keyringOpener().then((open) => new RunScrubberCache(open, (err) => (this.note = `keyring unreadable: ${(err as Error).message}`)));
    const cache = await this.cache;
    return (run, group) => cache.forRun(run, group);
  }
}

/** What the logs op needs of a connection: where its `log` events go, and its follows. */
export interface LogSession {
  /** Sends an event to this connection (dropped when it is gone). */
  emit(ev: object): void;
  /** Each running follow's stop. */
  readonly follows: Set<() => void>;
  /** Ends every follow of the connection (unsubscribe, close). */
  endFollows(): void;
}

interface LogsContext {
  ro: Db;
  upstream: Upstream;
  scrubbers: Scrubbers;
}

export interface LogsResult {
  agent: string;
  run: string | null;
  path: string | null;
  lines: string[];
}

/** Sends a followed text as `log` events, in pieces a peer accepts. */
function emitText(s: LogSession, agent: string, run: string | null, text: string): void {
  for (let i = 0; i < text.length; i += EVENT_CHARS) s.emit({ event: 'log', at: new Date().toISOString(), agent, run, text: text.slice(i, i + EVENT_CHARS) });
}

/**
 * `lines` as the control socket reads it (a whole number from 0, anything else 50), capped
 * at 10 000 rather than 100 000: an answer is at most 1 MiB, and the relay holds it whole.
 */
const linesOf = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? Math.min(v, 10_000) : 50);

/**
 * The logs op: the last lines of a run, and with `follow` its later output as `log` events.
 * With a supervisor, through it (its output comes scrubbed with the run's own secrets): a
 * follow gets a control connection of its own, since the supervisor sends log events only to
 * the connection that asked and ends them only by closing it. Without one, from the log
 * files, scrubbed as `agor logs` does offline.
 */
export async function logsOp(ctx: LogsContext, s: LogSession, a: Record<string, unknown>): Promise<LogsResult> {
  const agent = a.agent;
  if (typeof agent !== 'string' || !agent) throw usage('give "agent": the agent whose log to read');
  const run = typeof a.run === 'string' && a.run ? a.run : undefined;
  const lines = linesOf(a.lines);
  const follow = a.follow === true;
  if (follow && s.follows.size >= MAX_FOLLOWS) throw usage(`at most ${MAX_FOLLOWS} follows per connection`, 'unsubscribe ends them all; or connect again');
  if (ctx.upstream.live) {
    if (!follow) return ctx.upstream.request<LogsResult>('logs', { agent, run, lines });
    const sup = liveSupervisor(ctx.ro);
    if (sup) return followUpstream(sup.socket, s, { agent, run, lines });
  }
  return fromFiles(ctx, s, { agent, run, lines, follow });
}

async function followUpstream(socket: string, s: LogSession, args: { agent: string; run?: string; lines: number }): Promise<LogsResult> {
  const c = await ControlClient.connect(socket);
  c.onEvent = (ev) => {
    if (ev.event === 'log') emitText(s, ev.agent, ev.run, ev.text);
  };
  const stop = () => c.close();
  s.follows.add(stop);
  void c.closed.then(() => s.follows.delete(stop));
  try {
    return await c.request<LogsResult>('logs', { ...args, follow: true });
  } catch (err) {
    stop();
    throw err;
  }
}

async function fromFiles(ctx: LogsContext, s: LogSession, o: { agent: string; run?: string; lines: number; follow: boolean }): Promise<LogsResult> {
  const row = getAgent(ctx.ro, o.agent);
  if (!row) throw notFound(`no agent '${o.agent}'`, 'agor ps lists the agents');
  const scrubFor = await ctx.scrubbers.forAgent(ctx.ro, o.agent);
  const scrub = (r: RunRow): Scrubber => scrubFor(r, row.group_id);
  let run = findRun(ctx.ro, o.agent, o.run);
  const result: LogsResult = {
    agent: o.agent,
    run: run?.id ?? null,
    path: run?.log_path ?? null,
    lines: run?.log_path ? scrubLines(tailLines(run.log_path, o.lines), scrub(run)) : [],
  };
  if (!o.follow) return result;
  let offset = 0;
  try {
    offset = run?.log_path ? statSync(run.log_path).size : 0;
  } catch {
    // No log yet: from its start.
  }
  const timer = setInterval(() => {
    try {
      // A starting run's record may name its keyring items a moment after its row appears.
      if (run && !run.secret_refs) run = getRun(ctx.ro, run.id) ?? run;
      if (run?.log_path) {
        const r = readFrom(run.log_path, offset);
        offset = r.offset;
        if (r.text) emitText(s, o.agent, run.id, scrub(run)(r.text));
      }
      if (!o.run) {
        const latest = latestRun(ctx.ro, o.agent);
        if (latest && latest.id !== run?.id) ((run = latest), (offset = 0));
      }
    } catch {
      // A busy or briefly unreadable file: the next tick reads on.
    }
  }, FOLLOW_MS);
  const stop = () => (clearInterval(timer), s.follows.delete(stop));
  s.follows.add(stop);
  return result;
}
