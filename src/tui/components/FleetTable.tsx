import { Box } from 'ink';
import type { Activity, FleetAgent, HostInfo } from '../source.js';
import { duration, parseTime, shortId, truncate } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import { HEALTH_TONE, OUTCOME_TONE, STATE_TONE, type Tone } from '../theme.js';
import { hostLine } from './Hosts.js';
import { Block, Line, type Piece, type Seg, cell } from './Line.js';

/** Which optional columns fit (the last outcome before the role), and how wide the task column is. */
function fleetLayout(width: number): { role: boolean; outcome: boolean; task: number } {
  const fixed = 2 + 2 + 13 + 9 + 9 + 8 + 7 + 7 + 4 + 4;
  const outcome = width >= 90;
  const role = width >= 106;
  return { role, outcome, task: Math.max(8, width - fixed - (role ? 10 : 0) - (outcome ? 10 : 0)) };
}

const newer = (a: string | null, b: string | null): string | null => ((parseTime(b) ?? -Infinity) > (parseTime(a) ?? -Infinity) ? b : a);

/** The rows with the later of their own and the source's latest output and heartbeat times (see DataSource.activity). */
export function withActivity<R extends FleetRow>(agents: R[], times: ReadonlyMap<string, Activity> | undefined): R[] {
  if (!times?.size) return agents;
  return agents.map((a) => {
    if (isHostRow(a)) return a;
    const t = times.get(a.id);
    if (!t) return a;
    const o = newer(a.last_output_at, t.last_output_at);
    const h = newer(a.last_heartbeat_at, t.last_heartbeat_at);
    return o !== a.last_output_at || h !== a.last_heartbeat_at ? { ...a, last_output_at: o, last_heartbeat_at: h } : a;
  });
}

/**
 * Seconds since the agent last showed life (output or heartbeat, else its run's start),
 * while it has a process (else null): what the supervisor measures against stall_after.
 */
function silentSeconds(a: FleetAgent, now: number): number | null {
  if (a.pid === null && a.state !== 'running' && a.state !== 'stalled') return null;
  const times = [a.last_output_at, a.last_heartbeat_at, a.started_at].map(parseTime).filter((t): t is number => t !== null);
  return times.length ? Math.max(0, Math.round((now - Math.max(...times)) / 1000)) : null;
}

/**
 * The stall timer's tone: red when the supervisor says stalled, amber from half of
 * stall_after until then. Red follows the state column rather than the clock, so the
 * two never disagree while the supervisor has not looked yet (it checks every second).
 */
function stallTone(silent: number | null, stallAfter: number | null, state: FleetAgent['state']): Tone | undefined {
  if (state === 'stalled') return 'bad';
  if (silent === null || !stallAfter) return undefined;
  if (silent >= stallAfter / 2) return 'warn';
  return undefined;
}

/** The last non-empty line of a run's note. */
const noteLine = (note: string | null): string =>
  (note ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '';

/** How the latest run ended, and why when it failed: "failed (network): connect ECONNREFUSED". */
function lastRun(a: FleetAgent, t: { text: (s: string) => string }): string {
  if (!a.last_outcome) return '-';
  const note = noteLine(a.last_note) || noteLine(a.last_line);
  const exit = a.last_outcome === 'success' ? '' : a.last_signal ? ` ${a.last_signal}` : a.last_exit_code ? ` exit ${a.last_exit_code}` : '';
  return t.text(`${a.last_outcome}${a.last_error_class ? ` (${a.last_error_class})` : ''}${exit}${note ? `: ${note}` : ''}`);
}

function uptimeSeconds(a: FleetAgent, now: number): number | null {
  const started = parseTime(a.started_at);
  if (started !== null) return Math.max(0, Math.round((now - started) / 1000));
  return a.uptime_s;
}

/** What the table's timers (uptime, silence and its colour) show at `now`: a tick that changes none of it needs no frame. */
export function fleetTimers(agents: FleetRow[], now: number): string {
  let s = '';
  for (const a of agents) {
    if (isHostRow(a)) {
      // A host's countdown to its next try.
      s += a.info.conn.state === 'reconnecting' ? `${Math.ceil((a.info.conn.next - now) / 1000)}|` : '|';
      continue;
    }
    const silent = silentSeconds(a, now);
    s += `${duration(uptimeSeconds(a, now))} ${duration(silent)} ${stallTone(silent, a.stall_after_s, a.state) ?? ''}|`;
  }
  return s;
}

/** The time the detail line shows at `now` (the next start of a backing-off agent). */
export function detailTimers(agent: FleetAgent, now: number): string {
  const nextStart = parseTime(agent.next_start_at);
  return nextStart !== null && nextStart > now ? duration((nextStart - now) / 1000) : '';
}

/** A host's line in a Fleet over several hosts, above its agents. */
export interface HostRow {
  kind: 'host';
  info: HostInfo;
  agents: number;
}

export type FleetRow = FleetAgent | HostRow;

export const isHostRow = (r: FleetRow): r is HostRow => (r as HostRow).kind === 'host';

export interface FleetTableProps {
  /** The rows to show: agents, and over several hosts a line per host before its agents. */
  agents: FleetRow[];
  selected: string | null;
  now: number;
  width: number;
  total: number;
  offset: number;
}

/** One row per agent (only the rows given: the caller slices to the window). */
export function FleetTable({ agents, selected, now, width, total, offset }: FleetTableProps) {
  const t = useTheme();
  const e = t.g.ellipsis;
  const L = fleetLayout(width);
  const shown = agents.filter((a) => !isHostRow(a)).length;
  const pos = total > shown ? `${offset + 1}-${offset + shown}/${total}` : `${total} agents`;
  const header: Seg[] = [
    cell('', 4, e),
    cell('AGENT', 13, e),
    cell('STATE', 9, e),
    cell('HEALTH', 9, e),
    cell('PID', 8, e),
    cell('UP', 7, e),
    cell('SILENT', 7, e),
    cell('RST', 4, e),
    cell('UNR', 4, e),
    ...(L.role ? [cell('ROLE', 10, e)] : []),
    ...(L.outcome ? [cell('OUTCOME', 10, e)] : []),
    cell('TASK', Math.max(4, L.task - pos.length), e),
    { text: pos },
  ].map((s) => ({ ...s, bold: true, tone: 'muted' as const }));
  return (
    <Box flexDirection="column">
      <Line segs={header} />
      <Block
        rows={agents.map((a): Piece[] => {
          if (isHostRow(a)) return hostLine(a.info, a.agents, now, width, t);
          const sel = a.id === selected;
          const silent = silentSeconds(a, now);
          // A host out of reach: its last known rows, greyed (no colour of their own).
          const tone = (x: Tone | undefined): Tone | undefined => (a.lost ? 'muted' : x);
          const task = a.claimed_task ? `${shortId(a.claimed_task.id)} ${t.text(a.claimed_task.title)}` : a.claimed > 0 ? `${a.claimed} claimed` : '-';
          const plain = a.lost ? { tone: 'muted' as const } : {};
          return [
            { text: sel ? `${t.g.cursor} ` : '  ', tone: 'accent', bold: true },
            { text: `${t.dot(a.state)} `, tone: tone(STATE_TONE[a.state]) },
            // Under its host's line an agent goes by its own id.
            cell(t.text(a.agent_id ?? a.id), 13, e, { bold: sel, ...plain }),
            cell(a.state, 9, e, { tone: tone(STATE_TONE[a.state]) }),
            cell(a.health, 9, e, { tone: tone(HEALTH_TONE[a.health]) }),
            cell(a.pid === null ? '-' : String(a.pid), 8, e, plain),
            cell(duration(uptimeSeconds(a, now)), 7, e, plain),
            cell(duration(silent), 7, e, { tone: tone(stallTone(silent, a.stall_after_s, a.state)) }),
            cell(String(a.restarts), 4, e, { tone: tone(a.restarts > 0 ? 'warn' : undefined) }),
            cell(String(a.unread), 4, e, { tone: tone(a.unread > 0 ? 'info' : undefined) }),
            ...(L.role ? [cell(t.text(a.role), 10, e, plain)] : []),
            ...(L.outcome ? [cell(t.text(a.last_outcome ?? '-'), 10, e, { tone: tone(a.last_outcome ? OUTCOME_TONE[a.last_outcome] : undefined) })] : []),
            cell(task, L.task, e, plain),
          ];
        })}
      />
    </Box>
  );
}

/** "budget spent: daily 5.20/5.00 USD, resets 2026-03-30 22:00Z" or "budget 84% of daily"; null when ok or none. */
export function budgetPart(a: Pick<FleetAgent, 'budget'>): string | null {
  const b = a.budget;
  if (!b || b.status === 'ok') return null;
  const what = `${b.scope === 'group' ? 'group ' : ''}${b.period}${b.kind === 'tokens' ? ' tokens' : ''}`;
  if (b.status === 'near') return `budget ${b.percent}% of ${what}`;
  const figures = b.kind === 'cost' ? `${b.spent.toFixed(2)}/${b.limit.toFixed(2)} USD` : `${b.spent}/${b.limit}`;
  return `budget spent: ${what} ${figures}, resets ${b.resets_at.slice(0, 16).replace('T', ' ')}Z`;
}

/** "worktree agor/coder" for an agent working in its own git worktree; null for none. */
export const worktreePart = (a: Pick<FleetAgent, 'worktree'>): string | null => (a.worktree ? `worktree ${a.worktree.branch}` : null);

/** A line about the selected agent: what the narrow table leaves out. */
export function AgentDetail({ agent, width, now }: { agent: FleetAgent; width: number; now: number }) {
  const t = useTheme();
  const parts = [
    t.text(agent.id),
    // A spent budget is why nothing starts: said before what the table shows anyway.
    budgetPart(agent),
    `role ${t.text(agent.role)}`,
    `${agent.mode}/${t.text(agent.strategy)}`,
    worktreePart(agent) && t.text(worktreePart(agent)!),
    `last ${truncate(lastRun(agent, t), 48, t.g.ellipsis)}`,
    agent.claimed_task ? `task ${shortId(agent.claimed_task.id)} ${t.text(agent.claimed_task.title)}` : 'no task',
    agent.pending_wakes ? `${agent.pending_wakes} wakes pending` : null,
    detailTimers(agent, now) ? `next start in ${detailTimers(agent, now)}` : null,
    agent.supervised ? null : 'unsupervised',
  ].filter(Boolean);
  return <Line segs={[cell(parts.join(` ${t.g.sep} `), width, t.g.ellipsis, { tone: 'muted' })]} />;
}

/** The attention queue: the agents that most need the operator, with why. */
export function AttentionPanel({ agents, width }: { agents: FleetAgent[]; width: number }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  if (!agents.length)
    return (
      <Line
        segs={[
          { text: 'ATTENTION', bold: true, tone: 'muted' },
          { text: '  nothing needs you', tone: 'muted' },
        ]}
      />
    );
  return (
    <Box flexDirection="column">
      <Line segs={[{ text: `ATTENTION (top ${agents.length})`, bold: true, tone: 'muted' }]} />
      {agents.map((a) => {
        const tone: Tone = a.attention >= 90 ? 'bad' : a.attention >= 50 ? 'warn' : 'info';
        // A failed agent says why: how its last run ended.
        const failed = (a.state === 'failed' || a.health === 'failed') && a.last_outcome;
        const reason = t.text(a.attention_reason ?? a.state) + (failed ? ` ${t.g.sep} last ${lastRun(a, t)}` : '');
        return (
          <Line
            key={a.id}
            segs={[
              cell(String(a.attention), 6, e, { right: true, tone, bold: true }),
              '  ',
              { text: `${t.dot(a.state)} `, tone: STATE_TONE[a.state] },
              cell(t.text(a.id), 14, e),
              cell(reason, Math.max(1, width - 24), e, { tone }),
            ]}
          />
        );
      })}
    </Box>
  );
}

/** The top five agents by attention (score above 0), highest first. */
export function attentionQueue(fleet: FleetAgent[], n = 5): FleetAgent[] {
  return fleet
    .filter((a) => a.attention > 0)
    .sort((a, b) => b.attention - a.attention || a.id.localeCompare(b.id))
    .slice(0, n);
}
