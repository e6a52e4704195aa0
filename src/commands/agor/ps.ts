import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { showControls } from '../../core/text.js';
import type { AgentView } from '../../supervisor/protocol.js';
import { type Verb, viaSupervisor } from './shared.js';

const STATE_COLOR: Record<string, (s: string) => string> = {
  running: (s) => color().green(s),
  idle: (s) => color().cyan(s),
  stalled: (s) => color().yellow.bold(s),
  failed: (s) => color().red.bold(s),
  dormant: (s) => color().dim(s),
  inactive: (s) => color().dim(s),
};

export function duration(s: number | null): string {
  if (s === null) return '-';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

const since = (iso: string | null, now: number) => (iso ? `${duration(Math.max(0, Math.round((now - Date.parse(iso)) / 1000)))} ago` : '-');

/** A note is the agent's text (agor report --reason): its control characters are shown, never sent to the terminal. */
const visible = (s: string) => showControls(s.replace(/\n/g, ' '));

/** The last non-empty line of a run's note. */
const noteLine = (note: string | null) =>
  (note ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '';

/** How the last run ended: "failed (network)". */
const lastRun = (a: AgentView) => (a.last_outcome ? visible(`${a.last_outcome}${a.last_error_class ? ` (${a.last_error_class})` : ''}`) : '-');

/** Outcomes that call for a reason under the table, when the run left a note. */
const EXPLAINED = new Set(['failed', 'timeout', 'blocked', 'partial']);

/** `agor ps` as a table, with the reasons bad runs gave (local, or from a relay with --host). */
export function psLines(as: AgentView[]): string[] {
  const c = color();
  if (!as.length) return [c.dim('no agents: start a group with agor up')];
  const now = Date.now();
  const lines = table([
    ['AGENT', 'MODE', 'STATE', 'HEALTH', 'PID', 'UPTIME', 'OUTPUT', 'RESTARTS', 'UNREAD', 'TASKS', 'LAST RUN', 'ATTN'].map((h) => c.bold(h)),
    ...as.map((a) => [
      a.id,
      a.mode,
      (STATE_COLOR[a.state] ?? ((x: string) => x))(a.state),
      a.health === 'healthy' ? a.health : a.health === 'failed' ? c.red(a.health) : c.yellow(a.health),
      a.pid === null ? '-' : String(a.pid),
      duration(a.uptime_s),
      since(a.last_output_at, now),
      String(a.restarts),
      String(a.unread),
      String(a.claimed),
      a.last_outcome === 'failed' ? c.red(lastRun(a)) : lastRun(a),
      a.attention ? `${a.attention}${a.attention_reason ? ` ${a.attention_reason}` : ''}` : '-',
    ]),
  ]);
  // Why the last run ended badly: its exit, and the run's own words (the note's last line, else its output's).
  for (const a of as) {
    if (!a.last_outcome || !EXPLAINED.has(a.last_outcome)) continue;
    const why = noteLine(a.last_note) || noteLine(a.last_line);
    const exit = a.last_signal ? `, signal ${a.last_signal}` : a.last_exit_code !== null && a.last_exit_code !== 0 ? `, exit ${a.last_exit_code}` : '';
    if (why || exit) lines.push(`${a.id}: last run ${lastRun(a)}${exit}${why ? `: ${visible(why)}` : ''}  ${c.dim(`(agor why ${a.id})`)}`);
  }
  // A budget spent or nearly spent, with when it resets.
  for (const a of as) {
    const b = a.budget;
    if (!b || b.status === 'ok') continue;
    const what = `${b.scope === 'group' ? 'group ' : ''}${b.period} ${b.kind === 'tokens' ? 'token ' : ''}budget`;
    const figures = b.kind === 'cost' ? `${b.spent.toFixed(2)}/${b.limit.toFixed(2)} USD` : `${b.spent}/${b.limit} tokens`;
    const line = `${a.id}: ${what} ${b.status === 'spent' ? 'spent' : `${b.percent}% used`} (${figures}), resets ${b.resets_at}`;
    lines.push(b.status === 'spent' ? c.red(line) : c.yellow(line));
  }
  if (as.length && !as[0]!.supervised) lines.push(c.dim('no supervisor is running: states are as last recorded (agor up -d starts it)'));
  return lines;
}

const HOUR_MS = 3_600_000;

export const ps: Verb<object> = {
  command: 'ps',
  describe: 'The agents: state, health, pid, uptime, last output, restarts, unread, claimed tasks, how the last run ended',
  handler: async (argv) => {
    let failed: string | null = null;
    const { hookFailures, hookFailureLine } = await import('../../supervisor/hook-status.js');
    const agents = await viaSupervisor(
      argv,
      async (c, db) => {
        failed = hookFailureLine(hookFailures(db, HOUR_MS), ' in the last hour');
        return c.request<AgentView[]>('list');
      },
      async (db) => {
        failed = hookFailureLine(hookFailures(db, HOUR_MS), ' in the last hour');
        const { withBudgets } = await import('../../supervisor/budget-status.js');
        return withBudgets(db, (await import('../../supervisor/status.js')).offlineList(db));
      },
    );
    // The JSON shape stays the agents; the hooks' line is for people (agor audit --type hook_failed has the entries).
    emit(argv.json, agents, (as) => [...psLines(as), ...(failed ? [color().red(failed) + color().dim('  (agor audit --type hook_failed --since 1h)')] : [])]);
  },
};
