import { Box, Spacer } from 'ink';
import { useMemo } from 'react';
import type { DataSource } from '../source.js';
import { windowStart } from '../format.js';
import { Empty } from '../components/Empty.js';
import { AgentDetail, AttentionPanel, FleetTable, attentionQueue, detailTimers, fleetTimers, withActivity } from '../components/FleetTable.js';
import { agentSelection } from '../hooks/agentSelection.js';
import { useClock } from '../hooks/useClock.js';
import { useSource } from '../hooks/useSource.js';
import { useViewSlot } from '../hooks/useViewSlot.js';

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
  const fleet = useSource(source, (s) => s.fleet(), [], { fallback: [] });
  const queue = useMemo(() => attentionQueue(fleet), [fleet]);
  const bottom = (queue.length ? queue.length + 1 : 1) + 2;
  const rows = Math.max(1, height - bottom - 1);
  const { idx, onKey } = agentSelection(fleet, agent, setAgent, rows);
  useViewSlot({ keys: onKey, agent: fleet[idx]?.id ?? null });
  const start = windowStart(idx, fleet.length, rows);
  const rowsShown = fleet.slice(start, start + rows);
  // The timers count from the latest output and heartbeat times the source has, which
  // change without a notification.
  const fresh = () => withActivity(rowsShown, source.activity?.());
  // Checked every 2 s; a frame only when a timer on screen reads differently.
  const now = useClock(2000, fleet.length > 0, (t) => fleetTimers(fresh(), t) + (fleet[idx] ? detailTimers(fleet[idx], t) : ''));
  const visible = fresh();
  const selected = fleet[idx];
  if (!fleet.length || !selected) return <Empty what={NO_AGENTS} todo="the dashboard shows them as soon as the supervisor registers them" />;
  return (
    <Box flexDirection="column" height={height}>
      <FleetTable agents={visible} selected={selected.id} now={now} width={width} total={fleet.length} offset={start} />
      <Spacer />
      <AgentDetail agent={selected} width={width} now={now} />
      <Box height={1} />
      <AttentionPanel agents={queue} width={width} />
    </Box>
  );
}
