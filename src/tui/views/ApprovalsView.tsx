import { Box } from 'ink';
import type { ApprovalItem, DataSource } from '../source.js';
import { duration, parseTime, windowStart } from '../format.js';
import { Empty } from '../components/Empty.js';
import { Line, cell } from '../components/Line.js';
import { useClock } from '../hooks/useClock.js';
import { useSource } from '../hooks/useSource.js';
import { useRefSelection } from '../hooks/useRefSelection.js';
import { useTheme } from '../hooks/useTheme.js';
import { useViewSlot } from '../hooks/useViewSlot.js';

export interface ApprovalsViewProps {
  source: DataSource;
  width: number;
  height: number;
}

const NONE: ApprovalItem[] = [];

/** "in 9m05s" until the request times out, or "timing out" once it has. */
export function expiresIn(a: Pick<ApprovalItem, 'expires_at'>, now: number): string {
  const at = parseTime(a.expires_at);
  if (at === null) return '-';
  return at <= now ? 'timing out' : `in ${duration((at - now) / 1000)}`;
}

const ageOf = (a: Pick<ApprovalItem, 'created_at'>, now: number) => duration((now - (parseTime(a.created_at) ?? now)) / 1000);

/**
 * The approvals queue: pending requests oldest first, with agent, action, age and the time
 * left before the timeout denies them; the app's a and d approve or deny the selected one.
 */
export function ApprovalsView({ source, width, height }: ApprovalsViewProps) {
  const t = useTheme();
  const items = useSource(source, (s) => s.approvals?.() ?? NONE, [], { fallback: NONE });
  const rows = Math.max(1, height - 4);
  const { idx, selected, keys } = useRefSelection(items, 'approvals.selected', rows);
  useViewSlot({
    keys,
    approval: selected ? { ref: selected.ref, agent: selected.host ? `${selected.host}/${selected.agent}` : selected.agent, action: selected.action } : null,
  });
  // The countdowns read in seconds: a frame a second only while requests are on screen.
  const now = useClock(1000, items.length > 0, (n) => items.map((a) => expiresIn(a, n) + ageOf(a, n)).join());
  if (!source.approvals) return <Empty what="this dashboard's source has no approvals queue" />;
  if (!items.length)
    return <Empty what="no approval requests pending" todo="agents ask with: agor approval request --action TEXT (see man agor); they show here until decided" />;
  const start = windowStart(idx, items.length, rows);
  const host = items.some((a) => a.host);
  const wId = 6;
  const wAgent = host ? 24 : 16;
  const wAge = 8;
  const wExp = 12;
  const wAction = Math.max(10, width - wId - wAgent - wAge - wExp - 5);
  const e = t.g.ellipsis;
  return (
    <Box flexDirection="column" height={height}>
      <Line
        segs={[
          cell('ID', wId, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('AGENT', wAgent, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('ACTION', wAction, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('AGE', wAge, e, { bold: true, tone: 'muted' }),
          ' ',
          cell('EXPIRES', wExp, e, { bold: true, tone: 'muted' }),
        ]}
      />
      {items.slice(start, start + rows).map((a) => {
        const on = a.ref === selected?.ref;
        const exp = expiresIn(a, now);
        return (
          <Line
            key={a.ref}
            segs={[
              cell(String(a.id), wId, e, { inverse: on }),
              ' ',
              cell(t.text(a.host ? `${a.host}/${a.agent}` : a.agent), wAgent, e, { inverse: on }),
              ' ',
              cell(t.text(a.action), wAction, e, { inverse: on, bold: true }),
              ' ',
              cell(ageOf(a, now), wAge, e, { inverse: on }),
              ' ',
              cell(exp, wExp, e, { inverse: on, tone: exp === 'timing out' ? 'bad' : 'warn' }),
            ]}
          />
        );
      })}
      <Box flexGrow={1} />
      <Line segs={[cell(selected?.detail ? `detail: ${t.text(selected.detail.split('\n')[0]!)}` : '', width, e, { tone: 'muted' })]} />
      <Line segs={[cell(`${items.length} pending; the agents wait until you decide, and a timeout denies`, width, e, { tone: 'muted' })]} />
    </Box>
  );
}
