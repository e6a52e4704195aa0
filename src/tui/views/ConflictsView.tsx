import { Box } from 'ink';
import { quotePath } from '../../supervisor/conflict-list.js';
import type { ConflictItem, DataSource } from '../source.js';
import { duration, parseTime, windowStart } from '../format.js';
import { Empty } from '../components/Empty.js';
import { Line, cell } from '../components/Line.js';
import { useClock } from '../hooks/useClock.js';
import { useSource } from '../hooks/useSource.js';
import { useRefSelection } from '../hooks/useRefSelection.js';
import { useTheme } from '../hooks/useTheme.js';
import { useViewSlot } from '../hooks/useViewSlot.js';

export interface ConflictsViewProps {
  source: DataSource;
  width: number;
  height: number;
}

const NONE: ConflictItem[] = [];

/** The files of a conflict on one line, each name quoted when it holds a newline or control. */
export const filesLine = (c: Pick<ConflictItem, 'files'>): string => c.files.map(quotePath).join(' ');

const ageOf = (c: Pick<ConflictItem, 'first_seen'>, now: number) => duration((now - (parseTime(c.first_seen) ?? now)) / 1000);

/**
 * Conflicts between the agents' work, oldest first: two agents changing one file of a shared
 * tree, writes from no agent, worktrees that would not merge. The app's a acknowledges the
 * selected one (it stops raising attention until a new write to its files).
 */
export function ConflictsView({ source, width, height }: ConflictsViewProps) {
  const t = useTheme();
  const items = useSource(source, (s) => s.conflicts?.() ?? NONE, [], { fallback: NONE });
  const rows = Math.max(1, height - 4);
  const { idx, selected, keys } = useRefSelection(items, 'conflicts.selected', rows);
  useViewSlot({
    keys,
    conflict: selected ? { ref: selected.ref, kind: selected.kind, agents: selected.agents, files: selected.files } : null,
  });
  const now = useClock(10_000, items.length > 0, (n) => items.map((c) => ageOf(c, n)).join());
  if (!source.conflicts) return <Empty what="conflicts are not available for this host" />;
  if (!items.length)
    return (
      <Empty
        what="no open conflicts"
        todo="agor flags two agents changing one file, writes from no agent, and worktrees whose work would not merge (see agor conflicts)"
      />
    );
  const start = windowStart(idx, items.length, rows);
  const wId = 6;
  const wKind = 9;
  const wAgents = 20;
  const wAge = 8;
  const wStatus = 8;
  const wFiles = Math.max(10, width - wId - wKind - wAgents - wAge - wStatus - 6);
  const e = t.g.ellipsis;
  const open = items.filter((c) => c.status === 'open').length;
  return (
    <Box flexDirection="column" height={height}>
      <Line
        segs={[
          cell('ID', wId, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('KIND', wKind, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('AGENTS', wAgents, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('FILES', wFiles, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('SEEN', wAge, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('STATUS', wStatus, e, { bold: true, tone: 'muted' }),
        ]}
      />
      {items.slice(start, start + rows).map((c) => {
        const on = c.ref === selected?.ref;
        return (
          <Line
            key={c.ref}
            segs={[
              cell(c.ref, wId, e, { inverse: on }),
              ' ',
              cell(c.kind, wKind, e, { inverse: on, tone: c.kind === 'external' ? 'warn' : 'bad' }),
              ' ',
              cell(t.text(c.agents.join(',') || '-'), wAgents, e, { inverse: on }),
              ' ',
              cell(t.text(filesLine(c)), wFiles, e, { inverse: on, bold: true }),
              ' ',
              cell(ageOf(c, now), wAge, e, { inverse: on }),
              ' ',
              cell(c.status, wStatus, e, { inverse: on, tone: c.status === 'open' ? 'bad' : 'muted' }),
            ]}
          />
        );
      })}
      <Box flexGrow={1} />
      <Line segs={[cell(selected ? `in ${t.text(selected.tree)}${selected.note ? `; note: ${t.text(selected.note)}` : ''}` : '', width, e, { tone: 'muted' })]} />
      <Line segs={[cell(`${open} open, ${items.length - open} acknowledged; a acknowledges the selected one`, width, e, { tone: 'muted' })]} />
    </Box>
  );
}
