import { Box } from 'ink';
import type { FleetAgent } from '../source.js';
import { duration, parseTime, secondsSince, shortId } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import { HEALTH_TONE, OUTCOME_TONE, STATE_TONE, type Tone } from '../theme.js';
import { Block, Line, type Piece, type Seg, cell } from './Line.js';

/** Which optional columns fit, and how wide the task column is. */
export function fleetLayout(width: number): { role: boolean; outcome: boolean; task: number } {
  const fixed = 2 + 2 + 13 + 9 + 9 + 8 + 7 + 7 + 4 + 4;
  const role = width >= 96;
  const outcome = width >= 106;
  return { role, outcome, task: Math.max(8, width - fixed - (role ? 10 : 0) - (outcome ? 10 : 0)) };
}

/** Seconds since the agent's last output, while it has a process (else null). */
export function silentSeconds(a: FleetAgent, now: number): number | null {
  if (a.pid === null && a.state !== 'running' && a.state !== 'stalled') return null;
  return secondsSince(a.last_output_at ?? a.started_at, now);
}

/** The stall timer's tone: amber past half of stall_after, red past all of it. */
export function stallTone(silent: number | null, stallAfter: number | null): Tone | undefined {
  if (silent === null || !stallAfter) return undefined;
  if (silent >= stallAfter) return 'bad';
  if (silent >= stallAfter / 2) return 'warn';
  return undefined;
}

export function uptimeSeconds(a: FleetAgent, now: number): number | null {
  const started = parseTime(a.started_at);
  if (started !== null) return Math.max(0, Math.round((now - started) / 1000));
  return a.uptime_s;
}

/** What the table's timers (uptime, silence and its colour) show at `now`: a tick that changes none of it needs no frame. */
export function fleetTimers(agents: FleetAgent[], now: number): string {
  let s = '';
  for (const a of agents) {
    const silent = silentSeconds(a, now);
    s += `${duration(uptimeSeconds(a, now))} ${duration(silent)} ${stallTone(silent, a.stall_after_s) ?? ''}|`;
  }
  return s;
}

/** The time the detail line shows at `now` (the next start of a backing-off agent). */
export function detailTimers(agent: FleetAgent, now: number): string {
  const nextStart = parseTime(agent.next_start_at);
  return nextStart !== null && nextStart > now ? duration((nextStart - now) / 1000) : '';
}

export interface FleetTableProps {
  agents: FleetAgent[];
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
  const pos = total > agents.length ? `${offset + 1}-${offset + agents.length}/${total}` : `${total} agents`;
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
        const sel = a.id === selected;
        const silent = silentSeconds(a, now);
        const task = a.claimed_task ? `${shortId(a.claimed_task.id)} ${t.text(a.claimed_task.title)}` : a.claimed > 0 ? `${a.claimed} claimed` : '-';
        return [
          { text: sel ? `${t.g.cursor} ` : '  ', tone: 'accent', bold: true },
          { text: `${t.dot(a.state)} `, tone: STATE_TONE[a.state] },
          cell(t.text(a.id), 13, e, { bold: sel }),
          cell(a.state, 9, e, { tone: STATE_TONE[a.state] }),
          cell(a.health, 9, e, { tone: HEALTH_TONE[a.health] }),
          cell(a.pid === null ? '-' : String(a.pid), 8, e),
          cell(duration(uptimeSeconds(a, now)), 7, e),
          cell(duration(silent), 7, e, { tone: stallTone(silent, a.stall_after_s) }),
          cell(String(a.restarts), 4, e, { tone: a.restarts > 0 ? 'warn' : undefined }),
          cell(String(a.unread), 4, e, { tone: a.unread > 0 ? 'info' : undefined }),
          ...(L.role ? [cell(t.text(a.role), 10, e)] : []),
          ...(L.outcome ? [cell(a.last_outcome ?? '-', 10, e, { tone: a.last_outcome ? OUTCOME_TONE[a.last_outcome] : undefined })] : []),
          cell(task, L.task, e),
        ];
      })}
      />
    </Box>
  );
}

/** A line about the selected agent: what the narrow table leaves out. */
export function AgentDetail({ agent, width, now }: { agent: FleetAgent; width: number; now: number }) {
  const t = useTheme();
  const parts = [
    t.text(agent.id),
    `role ${t.text(agent.role)}`,
    `${agent.mode}/${t.text(agent.strategy)}`,
    agent.claimed_task ? `task ${shortId(agent.claimed_task.id)} ${t.text(agent.claimed_task.title)}` : 'no task',
    `last ${agent.last_outcome ?? '-'}`,
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
  if (!agents.length) return <Line segs={[{ text: 'ATTENTION', bold: true, tone: 'muted' }, { text: '  nothing needs you', tone: 'muted' }]} />;
  return (
    <Box flexDirection="column">
      <Line segs={[{ text: `ATTENTION (top ${agents.length})`, bold: true, tone: 'muted' }]} />
      {agents.map((a) => {
        const tone: Tone = a.attention >= 90 ? 'bad' : a.attention >= 50 ? 'warn' : 'info';
        return (
          <Line
            key={a.id}
            segs={[
              cell(String(a.attention), 6, e, { right: true, tone, bold: true }),
              '  ',
              { text: `${t.dot(a.state)} `, tone: STATE_TONE[a.state] },
              cell(t.text(a.id), 14, e),
              cell(t.text(a.attention_reason ?? a.state), Math.max(1, width - 24), e, { tone }),
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
