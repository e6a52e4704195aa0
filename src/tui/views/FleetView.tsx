import { Box, Spacer } from 'ink';
import { useMemo } from 'react';
import type { DataSource } from '../source.js';
import { windowStart } from '../format.js';
import { Empty } from '../components/Empty.js';
import { AgentDetail, AttentionPanel, FleetTable, attentionQueue } from '../components/FleetTable.js';
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
  // Every 2 s: the timers stay live, and an idle dashboard costs a frame every 2 s, not every second.
  const now = useClock(2000);
  const queue = useMemo(() => attentionQueue(fleet), [fleet]);
  const bottom = (queue.length ? queue.length + 1 : 1) + 2;
  const rows = Math.max(1, height - bottom - 1);
  const { idx, onKey } = agentSelection(fleet, agent, setAgent, rows);
  useViewSlot({ keys: onKey, agent: fleet[idx]?.id ?? null });
  if (!fleet.length) return <Empty what={NO_AGENTS} todo="the dashboard shows them as soon as the supervisor registers them" />;
  const start = windowStart(idx, fleet.length, rows);
  const selected = fleet[idx]!;
  return (
    <Box flexDirection="column" height={height}>
      <FleetTable agents={fleet.slice(start, start + rows)} selected={selected.id} now={now} width={width} total={fleet.length} offset={start} />
      <Spacer />
      <AgentDetail agent={selected} width={width} now={now} />
      <Box height={1} />
      <AttentionPanel agents={queue} width={width} />
    </Box>
  );
}
