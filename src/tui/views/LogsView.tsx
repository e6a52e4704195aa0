import { Box } from 'ink';
import type { DataSource } from '../source.js';
import { shortId } from '../format.js';
import { Empty } from '../components/Empty.js';
import { Line, cell } from '../components/Line.js';
import { LogPane } from '../components/LogPane.js';
import { agentSelection } from '../hooks/agentSelection.js';
import { useSource } from '../hooks/useSource.js';
import { useTheme } from '../hooks/useTheme.js';
import { useViewSlot } from '../hooks/useViewSlot.js';
import { NO_AGENTS } from './FleetView.js';
import { renderLogLines } from '../../supervisor/logrender.js';

export interface LogsViewProps {
  source: DataSource;
  width: number;
  height: number;
  agent: string | null;
  setAgent: (id: string | null) => void;
}

/** Follows the log of an agent's current run: re-read on every change and every second. */
export function LogsView({ source, width, height, agent, setAgent }: LogsViewProps) {
  const t = useTheme();
  const fleet = useSource(source, (s) => s.fleet(), [], { fallback: [] });
  const { idx, onKey } = agentSelection(fleet, agent, setAgent, 1);
  const id = fleet[idx]?.id ?? null;
  useViewSlot({ keys: onKey, agent: id });
  const rows = Math.max(1, height - 1);
  const tail = useSource(source, (s) => (id ? s.logTail(id, rows) : null), [id, rows], { pollMs: 1000, fallback: null });
  if (!fleet.length || !id) return <Empty what={NO_AGENTS} />;
  const a = fleet[idx]!;
  const run = tail?.run ? `run ${shortId(tail.run)}` : 'no run';
  const head = `LOG OF ${t.text(id)} ${t.g.sep} ${run} ${t.g.sep} ${a.state} ${t.g.sep} following${tail?.note ? ` ${t.g.sep} ${tail.note}` : ''}  (${t.g.upDown} agent ${idx + 1}/${fleet.length})`;
  // Readable form: a transcript's JSON lines become text (agor logs --raw has them as written).
  const lines = renderLogLines(tail?.lines ?? []).slice(-rows);
  return (
    <Box flexDirection="column" height={height}>
      <Line segs={[{ text: `${t.dot(a.state)} `, tone: undefined }, cell(head, width - 2, t.g.ellipsis, { bold: true, tone: 'muted' })]} />
      {lines.length ? (
        <LogPane lines={lines} width={width} />
      ) : (
        <Line segs={[{ text: tail?.run ? 'the log is empty so far' : `${t.text(id)} has no run yet: w wakes it, s starts it`, tone: 'muted' }]} />
      )}
    </Box>
  );
}
