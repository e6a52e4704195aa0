import { Box, Spacer, Text } from 'ink';
import { useMemo } from 'react';
import { hookFailureLine } from '../../supervisor/hook-status.js';
import type { ConflictItem, DataSource, FleetAgent, HostInfo } from '../source.js';
import { filesLine } from './ConflictsView.js';
import { windowStart } from '../format.js';
import { Empty } from '../components/Empty.js';
import { Line, cell } from '../components/Line.js';
import {
  AgentDetail,
  AttentionPanel,
  type FleetRow,
  FleetTable,
  attentionQueue,
  detailTimers,
  fleetTimers,
  isHostRow,
  withActivity,
} from '../components/FleetTable.js';
import { agentSelection } from '../hooks/agentSelection.js';
import { useClock } from '../hooks/useClock.js';
import { useSource } from '../hooks/useSource.js';
import { useViewSlot } from '../hooks/useViewSlot.js';
import { useTheme } from '../hooks/useTheme.js';

const NO_CONFLICTS: ConflictItem[] = [];

export const NO_AGENTS = 'no agents: start a group with agor up -f agor.yaml';

export interface FleetViewProps {
  source: DataSource;
  width: number;
  height: number;
  agent: string | null;
  setAgent: (id: string | null) => void;
}

/** One row per agent with its timers, the selected agent's details, and the attention queue. */
export function FleetView({ source, width, height, agent, setAgent }: FleetViewProps) {
  const t = useTheme();
  const fleet = useSource(source, (s) => s.fleet(), [], { fallback: [] });
  const hosts = useSource(source, (s) => s.hosts?.() ?? null, [], { fallback: null });
  const queue = useMemo(() => attentionQueue(fleet.filter((a) => !a.lost)), [fleet]);
  const hooks = useSource(source, (s) => (s.hookFailures ? hookFailureLine(s.hookFailures(), ' in 24 h') : null), [], { fallback: null });
  const conflicts = useSource(source, (s) => s.conflicts?.().filter((c) => c.status === 'open') ?? NO_CONFLICTS, [], { fallback: NO_CONFLICTS });
  // A line for the selected agent's conflicts, kept while any is open so the rows do not jump.
  const bottom = (queue.length ? queue.length + 1 : 1) + 2 + (hooks ? 1 : 0) + (conflicts.length ? 1 : 0);
  const rows = Math.max(1, height - bottom - 1);
  const { idx, onKey } = agentSelection(fleet, agent, setAgent, rows);
  useViewSlot({ keys: onKey, agent: fleet[idx]?.id ?? null });
  // Over several hosts, a line per host before its agents (a host with none still has its line).
  const items = useMemo(() => withHosts(fleet, hosts), [fleet, hosts]);
  const at = items.indexOf(fleet[idx]!);
  const start = windowStart(Math.max(0, at), items.length, rows);
  const rowsShown = items.slice(start, start + rows);
  const offset = rowsShown.findIndex((r) => !isHostRow(r));
  // The timers count from the latest output and heartbeat times the source has, which
  // change without a notification.
  const fresh = () => withActivity(rowsShown, source.activity?.());
  // Checked every 2 s (every second while a host counts down to its next try); a frame
  // only when a timer on screen reads differently.
  const waiting = !!hosts?.some((h) => h.conn.state === 'reconnecting');
  const now = useClock(waiting ? 1000 : 2000, items.length > 0, (t) => fleetTimers(fresh(), t) + (fleet[idx] ? detailTimers(fleet[idx], t) : ''));
  const visible = fresh();
  const selected = fleet[idx];
  if (!items.length) return <Empty what={NO_AGENTS} todo="the dashboard shows them as soon as the supervisor registers them" />;
  return (
    <Box flexDirection="column" height={height}>
      <FleetTable
        agents={visible}
        selected={selected?.id ?? null}
        now={now}
        width={width}
        total={fleet.length}
        offset={Math.max(0, fleet.indexOf(rowsShown[offset] as FleetAgent))}
      />
      <Spacer />
      {selected ? <AgentDetail agent={selected} width={width} now={now} /> : <Box height={1} />}
      {conflicts.length ? <Line segs={[cell(t.text(conflictLine(conflicts, selected?.id ?? null)), width, t.g.ellipsis, { tone: 'bad' })]} /> : null}
      <Box height={1} />
      <AttentionPanel agents={queue} width={width} />
      {hooks ? (
        <Text color={t.tone('bad')} wrap="truncate">
          {t.text(hooks)}
        </Text>
      ) : null}
    </Box>
  );
}

/** The selected agent's open conflicts on one line (empty when it has none). */
export function conflictLine(conflicts: readonly ConflictItem[], agent: string | null): string {
  const mine = agent ? conflicts.filter((c) => c.agents.includes(agent)) : [];
  if (!mine.length) return '';
  const one = (c: ConflictItem) => {
    const others = c.agents.filter((a) => a !== agent);
    return `#${c.ref} ${c.kind}${others.length ? ` with ${others.join(',')}` : ''}: ${filesLine(c)}`;
  };
  return `conflicts (8 to see, a there to acknowledge): ${mine.map(one).join('; ')}`;
}

/** The fleet's rows, with each host's line before its agents when there are several hosts. */
function withHosts(fleet: FleetAgent[], hosts: HostInfo[] | null): FleetRow[] {
  if (!hosts) return fleet;
  const out: FleetRow[] = [];
  for (const h of hosts) {
    const mine = fleet.filter((a) => a.host === h.name);
    out.push({ kind: 'host', info: h, agents: mine.length }, ...mine);
  }
  return out;
}
