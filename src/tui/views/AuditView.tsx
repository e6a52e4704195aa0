import { Box } from 'ink';
import type { DataSource } from '../source.js';
import { clamp } from '../format.js';
import { AuditTable } from '../components/Audit.js';
import { Line, cell } from '../components/Line.js';
import type { PromptSpec } from '../hooks/usePrompt.js';
import { useSource } from '../hooks/useSource.js';
import { useSticky } from '../hooks/useSticky.js';
import { useTheme } from '../hooks/useTheme.js';
import { useViewSlot } from '../hooks/useViewSlot.js';

export interface AuditViewProps {
  source: DataSource;
  width: number;
  height: number;
  ask: (spec: PromptSpec) => void;
}

interface Filter {
  agent?: string;
  type?: string;
}

/** The audit log, newest at the bottom, filtered by agent (a) and event type (t). */
export function AuditView({ source, width, height, ask }: AuditViewProps) {
  const t = useTheme();
  const [filter, setFilter] = useSticky<Filter>('audit.filter', {});
  const [offset, setOffset] = useSticky('audit.offset', 0);
  const rows = Math.max(1, height - 1);
  const limit = rows + offset;
  const entries = useSource(source, (s) => s.audit({ agent: filter.agent, type: filter.type, limit }), [filter.agent, filter.type, limit], { fallback: [] });
  const maxOffset = entries.length < limit ? Math.max(0, entries.length - rows) : offset + rows;
  const off = Math.min(offset, maxOffset);

  useViewSlot({
    keys: (input, key) => {
      if (input === 'a') {
        ask({
          fields: [{ key: 'agent', label: 'audit of agent (empty: every agent)', initial: filter.agent ?? '', optional: true }],
          run: (v) => {
            setFilter((f) => ({ ...f, agent: v.agent || undefined }));
            setOffset(0);
          },
        });
      } else if (input === 't') {
        ask({
          fields: [{ key: 'type', label: 'event type, a trailing * matches a prefix (empty: every type)', initial: filter.type ?? '', optional: true }],
          run: (v) => {
            setFilter((f) => ({ ...f, type: v.type || undefined }));
            setOffset(0);
          },
        });
      } else if (key.upArrow) setOffset(clamp(off + 1, 0, maxOffset));
      else if (key.downArrow) setOffset(clamp(off - 1, 0, maxOffset));
      else if (key.pageUp) setOffset(clamp(off + rows, 0, maxOffset));
      else if (key.pageDown) setOffset(clamp(off - rows, 0, maxOffset));
    },
  });

  const end = Math.max(0, entries.length - off);
  const shown = entries.slice(Math.max(0, end - rows), end);
  const head = `AUDIT  agent: ${filter.agent ? t.text(filter.agent) : 'any'}  type: ${filter.type ? t.text(filter.type) : 'any'}${off ? `  ${off} newer below` : ''}`;
  return (
    <Box flexDirection="column" height={height}>
      <Line segs={[cell(head, width, t.g.ellipsis, { bold: true, tone: 'muted' })]} />
      {shown.length ? (
        <AuditTable entries={shown} width={width} />
      ) : (
        <Line
          segs={[
            { text: filter.agent || filter.type ? 'no audit entries match the filter (a and t change it; empty clears it)' : 'no audit entries yet', tone: 'muted' },
          ]}
        />
      )}
    </Box>
  );
}
