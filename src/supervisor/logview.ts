import { statSync } from 'node:fs';
import { notFound, usage } from '../core/errors.js';
import type { Db } from '../db/open.js';
import { getAgent } from '../db/agents.js';
import { type RunRow, getRun, latestRun, runIdsByPrefix } from '../db/runs.js';
import { ControlClient, liveSupervisor } from './client.js';
import { readFrom, tailLines } from './logs.js';
import { safeJson, showControls } from '../core/text.js';

export interface LogsOptions {
  agent: string;
  run?: string;
  lines: number;
  follow: boolean;
  json: boolean;
  /** Print the log as it is, escape sequences and all (else they are shown, as cat -v does). */
  raw?: boolean;
}

const write = (o: LogsOptions, agent: string, run: string | null, text: string) => {
  if (!text) return;
  if (o.json) for (const line of text.replace(/\n$/, '').split('\n')) process.stdout.write(safeJson({ agent, run, line }) + '\n');
  else {
    // An agent's log holds whatever its tools printed: shown, never obeyed, unless --raw.
    const shown = o.raw ? text : showControls(text);
    process.stdout.write(shown.endsWith('\n') ? shown : shown + '\n');
  }
};

function findRun(db: Db, agent: string, prefix?: string): RunRow | undefined {
  if (!prefix) return latestRun(db, agent);
  const ids = runIdsByPrefix(db, prefix).filter((id) => getRun(db, id)?.agent === agent);
  if (ids.length > 1) throw usage(`run prefix '${prefix}' is ambiguous`, 'give more of the id');
  if (!ids.length) throw notFound(`no run '${prefix}' of ${agent}`, `agor runs ${agent} lists them`);
  return getRun(db, ids[0]!);
}

/**
 * Prints an agent's log. Through the control socket when a supervisor runs (so -f follows
 * the agent into its next runs as they start), else straight from the log files.
 * Closes `db` when done; with -f it runs until interrupted.
 */
export async function showLogs(db: Db, o: LogsOptions): Promise<void> {
  if (!getAgent(db, o.agent)) {
    db.close();
    throw notFound(`no agent '${o.agent}'`, 'agor ps lists the agents');
  }
  const sup = liveSupervisor(db);
  if (sup) {
    db.close();
    const c = await ControlClient.connect(sup.socket);
    c.onEvent = (ev) => {
      if (ev.event === 'log') write(o, ev.agent, ev.run, ev.text);
    };
    const r = await c.request<{ run: string | null; lines: string[] }>('logs', { agent: o.agent, run: o.run, lines: o.lines, follow: o.follow });
    write(o, o.agent, r.run, r.lines.length ? r.lines.join('\n') + '\n' : '');
    if (!o.follow) return c.close();
    await c.closed;
    return;
  }
  let run = findRun(db, o.agent, o.run);
  if (run?.log_path) write(o, o.agent, run.id, tailLines(run.log_path, o.lines).join('\n'));
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
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    if (run?.log_path) {
      const r = readFrom(run.log_path, offset);
      offset = r.offset;
      write(o, o.agent, run.id, r.text);
    }
    if (!o.run) {
      const latest = latestRun(db, o.agent);
      if (latest && latest.id !== run?.id) (run = latest), (offset = 0);
    }
  }
}
