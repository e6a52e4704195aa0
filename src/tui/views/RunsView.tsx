import { Box } from 'ink';
import type { DataSource } from '../source.js';
import { clamp, windowStart } from '../format.js';
import { Empty } from '../components/Empty.js';
import { Line, cell } from '../components/Line.js';
import { AgentList, RunSparklines, RunsTable } from '../components/Runs.js';
import { agentSelection } from '../hooks/agentSelection.js';
import { useSource } from '../hooks/useSource.js';
import { useSticky } from '../hooks/useSticky.js';
import { useTheme } from '../hooks/useTheme.js';
import { useViewSlot } from '../hooks/useViewSlot.js';
import { NO_AGENTS } from './FleetView.js';

export interface RunsViewProps {
  source: DataSource;
  width: number;
  height: number;
  agent: string | null;
  setAgent: (id: string | null) => void;
}

const LIST = 20;
const RUNS = 100;

/** An agent's recent runs with outcomes, durations and reported cost, and sparklines of them. */
export function RunsView({ source, width, height, agent, setAgent }: RunsViewProps) {
  const t = useTheme();
  const fleet = useSource(source, (s) => s.fleet(), [], { fallback: [] });
  const { idx, onKey } = agentSelection(fleet, agent, setAgent, height - 1);
  const id = fleet[idx]?.id ?? null;
  const runs = useSource(source, (s) => (id ? s.runs(id, RUNS) : []), [id], { fallback: [] });
  // The table pages through the runs of the selected agent; choosing another starts at its newest.
  const [scroll, setScroll] = useSticky<{ agent: string | null; offset: number }>('runs.scroll', { agent: null, offset: 0 });
  const tableRows = Math.max(1, height - 6);
  const maxOffset = Math.max(0, runs.length - tableRows);
  const offset = scroll.agent === id ? Math.min(scroll.offset, maxOffset) : 0;
  useViewSlot({
    keys: (input, key) => {
      if (key.pageUp || key.pageDown) setScroll({ agent: id, offset: clamp(offset + (key.pageDown ? tableRows : -tableRows), 0, maxOffset) });
      else onKey(input, key);
    },
    agent: id,
  });
  if (!fleet.length || !id) return <Empty what={NO_AGENTS} />;
  const listRows = height - 1;
  const start = windowStart(idx, fleet.length, listRows);
  const right = width - LIST - 1;
  const shown = runs.slice(offset, offset + tableRows);
  const more = runs.length > tableRows ? `  ${offset + 1}-${offset + shown.length} of ${runs.length}, PgUp/PgDn` : '';
  return (
    <Box height={height}>
      <AgentList agents={fleet.slice(start, start + listRows)} selected={id} width={LIST} height={height} />
      <Box width={1} />
      <Box flexDirection="column" width={right}>
        <Line segs={[cell(`RUNS OF ${t.text(id)}  (${runs.length} latest, newest first)${more}`, right, t.g.ellipsis, { bold: true, tone: 'muted' })]} />
        {runs.length ? (
          <>
            <RunSparklines runs={runs} width={right} />
            <Box height={1} />
            <RunsTable runs={shown} width={right} />
          </>
        ) : (
          <Line segs={[{ text: `no runs of ${t.text(id)} yet: w wakes it, s starts it`, tone: 'muted' }]} />
        )}
      </Box>
    </Box>
  );
}
