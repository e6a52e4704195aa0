import type { SupervisorStatus } from '../source.js';
import { cellWidth, truncateLeft } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import type { Tone } from '../theme.js';
import { Line } from './Line.js';

/** What the title bar says of the supervisor. */
function supervisorText(s: SupervisorStatus): { text: string; tone: Tone } {
  if (s.state === 'attached') return { text: `supervisor pid ${s.pid ?? '?'}`, tone: 'ok' };
  if (s.state === 'lost') return { text: 'supervisor went away: showing the database', tone: 'bad' };
  return { text: 'no supervisor: showing the database', tone: 'warn' };
}

export function TitleBar({ label, supervisor, width, view }: { label: string; supervisor: SupervisorStatus; width: number; view: string }) {
  const t = useTheme();
  const sup = supervisorText(supervisor);
  const group = `group ${supervisor.group ? t.text(supervisor.group) : '-'}`;
  const right = ` ${sup.text} ${t.g.sep} ${group}`;
  const head = `agor ${view} `;
  const room = width - cellWidth(head) - cellWidth(right);
  const where = room > 3 ? truncateLeft(t.text(label), room, t.g.ellipsis) : '';
  const gap = ' '.repeat(Math.max(0, width - cellWidth(head) - cellWidth(where) - cellWidth(right)));
  return (
    <Line
      segs={[
        { text: 'agor', tone: 'title', bold: true },
        ` ${view} `,
        { text: where, tone: 'muted' },
        gap,
        ' ',
        { text: sup.text, tone: sup.tone, bold: supervisor.state === 'lost' },
        ` ${t.g.sep} ${group}`,
      ]}
    />
  );
}
