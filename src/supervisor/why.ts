/**
 * `agor why AGENT`: how the agent's last run ended and what to do about it, read from the
 * database and the run's log alone (no supervisor needed).
 */
import { notFound } from '../core/errors.js';
import { getAgent } from '../db/agents.js';
import type { Db } from '../db/open.js';
import { type RunRow, getAgentState, listRuns } from '../db/runs.js';
import type { Scrubber } from '../secrets/scrub.js';
import { parseSecretRefs } from '../secrets/scrub-run.js';
import { renderLogLines } from './logrender.js';
import { tailLines } from './logs.js';
import { scrubLines } from './scrubbing.js';
import { type RunView, runView } from './views.js';

export interface WhyReport {
  agent: string;
  /** Its state as last recorded (running, idle, failed…); null before a supervisor saw it. */
  state: string | null;
  /** The run in progress, if any. */
  current: { id: string; started_at: string } | null;
  /** The run explained: the latest that ended (null: none has). */
  run: RunView | null;
  /** "exit 1", "signal SIGKILL", or null when not known. */
  exit: string | null;
  /** The last lines of that run's output, scrubbed, in readable form. */
  lines: string[];
  /** What to do next, one step a line. */
  next: string[];
}

export interface WhyOptions {
  /** The scrubber of a run's output (its own secrets and the token shapes). */
  scrubFor: (run: RunRow, group: string) => Scrubber;
  /** The keyring names the agent's config hands it (`secrets:`), when the config could be read. */
  secretNames?: string[] | null;
  /** How many lines of output to show (default 20). */
  lines?: number;
}

/** The agor.yaml key of a limit named at the start of a run's note ("memory limit 256 MiB reached…"). */
const LIMIT_KEY = /^(memory|cpu_time|pids|open_files) limit/;

/** A path refused in the output ("open '/x': Permission denied", "EACCES: permission denied, open '/x'"). */
const DENIED_PATH =
  /(?:EACCES|EPERM|permission denied|operation not permitted)[^\n]*?['"]?(\/[^\s'":,]+)|['"]?(\/[^\s'":,]+)['"]?: (?:permission denied|operation not permitted)/i;
/** A port refused in the output ("connect EACCES 10.0.0.1:5432", "ECONNREFUSED 127.0.0.1:443"). */
const DENIED_PORT = /\b(?:EACCES|EPERM|ECONNREFUSED|permission denied|operation not permitted)\b[^\n]*?:(\d{1,5})\b/i;

/** When a sandboxed run's output shows a refused path or port: what the sandbox may have blocked, and how to allow it. */
function sandboxHint(agent: string, r: RunRow, output: string): string[] {
  if (!r.sandbox || /^(off|none)\b/.test(r.sandbox)) return [];
  const path = DENIED_PATH.exec(output);
  if (path) {
    const p = path[1] ?? path[2]!;
    return [`the sandbox may have blocked ${p}: allow it with sandbox: { read: [${p}] } (or write:) for ${agent} in agor.yaml; in force: ${r.sandbox}`];
  }
  const port = DENIED_PORT.exec(output);
  if (port)
    return [
      `the sandbox may have blocked port ${port[1]}: allow it with sandbox: { network: { connect: [${port[1]}] } } for ${agent} in agor.yaml; in force: ${r.sandbox}`,
    ];
  return [];
}

/** What to do after a run ended as `r` did; `output`: the end of its output, scrubbed. */
function advice(agent: string, r: RunRow, secretNames: string[] | null, output: string): string[] {
  const logs = `agor logs ${agent} --run ${r.id.slice(0, 8)}${r.log_path ? ` (the log: ${r.log_path})` : ''}`;
  switch (r.outcome) {
    case 'success':
      return ['nothing to do: the last run succeeded'];
    case 'cancelled':
      return ['nothing failed: the run was stopped (agor stop, restart, down or a config change)'];
    case 'timeout':
      return [`the run hit its wall-clock timeout: raise timeout: for ${agent} in agor.yaml, or give it smaller pieces of work`, `see what it was doing: ${logs}`];
    case 'partial':
    case 'blocked':
      return [`the agent reported it ${r.outcome === 'blocked' ? 'was blocked' : 'finished only part'}: its note says why; answer it with btmsg send ${agent} …`];
    default:
      break;
  }
  const note = r.note ?? '';
  switch (r.error_class) {
    case 'auth': {
      const names = secretNames?.length ? secretNames : (parseSecretRefs(r.secret_refs).map((s) => s.name) as string[]);
      return names.length
        ? [
            ...names.map((n) => `set or renew the key: agor secret set ${n} --agent ${agent}  (or shared by the group: agor secret set ${n})`),
            `then: agor restart ${agent}`,
          ]
        : [
            `its tool was refused as unauthorised: store its key with agor secret set NAME --agent ${agent} (NAME: the variable its tool reads, e.g. ANTHROPIC_API_KEY)`,
            `and list NAME under secrets: for ${agent} in agor.yaml; then agor restart ${agent}`,
          ];
    }
    case 'quota':
      return ['the account is out of quota or credit: top it up or use another key (agor secret set …); agor does not retry it', `then: agor restart ${agent}`];
    case 'rate_limit':
    case 'overloaded':
      return [`a passing ${r.error_class.replace('_', ' ')} failure: agor retries it with backoff (agor ps shows when)`, `if it persists: ${logs}`];
    case 'limit': {
      const key = LIMIT_KEY.exec(note)?.[1];
      return [
        `it hit a limit: ${note || 'see its note'}`,
        key ? `raise limits.${key} for ${agent} in agor.yaml if it needs more` : `raise the limit under limits: for ${agent} in agor.yaml if it needs more`,
        ...(r.sandbox ? [`in force for the run: ${r.sandbox}`] : []),
      ];
    }
    case 'sandbox':
      return [
        `the sandbox could not be set up${note ? `: ${note}` : ''}`,
        ...(r.sandbox ? [`the sandbox asked for: ${r.sandbox}`] : []),
        'agor doctor checks what this kernel allows; change sandbox: for the agent in agor.yaml accordingly',
      ];
    case 'secrets':
      return [`its secrets could not be given${note ? `: ${note}` : ''}`, 'agor secret check shows what the keyring has; agor secret set NAME stores one'];
    case 'network': {
      const blocked = sandboxHint(agent, r, output);
      return blocked.length ? blocked : ['a passing network failure: agor retries it with backoff (agor ps shows when)', `if it persists: ${logs}`];
    }
    default:
      if (/without output or heartbeat/.test(note)) return [`it stalled: raise stall_after: for ${agent} in agor.yaml if its work is slow, else look at ${logs}`];
      return [
        ...sandboxHint(agent, r, output),
        `it ${r.signal ? `was killed by ${r.signal}` : `exited with ${r.exit_code ?? 'an unknown status'}`}: look at its output: ${logs}`,
      ];
  }
}

/** How `agent`'s last run ended, its last lines of output and what to do next; not_found for an unknown agent. */
export function whyReport(db: Db, agent: string, o: WhyOptions): WhyReport {
  const row = getAgent(db, agent);
  if (!row) throw notFound(`no agent '${agent}'`, 'agor ps lists the agents');
  const runs = listRuns(db, { agent, limit: 20 });
  const open = runs.find((r) => r.ended_at === null) ?? null;
  const ended = runs.find((r) => r.ended_at !== null) ?? null;
  const state = getAgentState(db, agent)?.state ?? null;
  const current = open ? { id: open.id, started_at: new Date(open.started_at).toISOString() } : null;
  if (!ended)
    return {
      agent,
      state,
      current,
      run: null,
      exit: null,
      lines: [],
      next: [current ? 'its first run is in progress: agor logs -f ' + agent : `no run yet: agor wake ${agent} starts one`],
    };
  const n = o.lines ?? 20;
  // Read more than shown: a transcript's JSON lines render to fewer or more lines than they are.
  const raw = ended.log_path ? scrubLines(tailLines(ended.log_path, n * 4), o.scrubFor(ended, row.group_id)) : [];
  const lines = renderLogLines(raw)
    .map((l) => l.text)
    .slice(-n);
  const exit = ended.signal ? `signal ${ended.signal}` : ended.exit_code === null ? null : `exit ${ended.exit_code}`;
  return { agent, state, current, run: runView(ended), exit, lines, next: advice(agent, ended, o.secretNames ?? null, raw.join('\n')) };
}
