import type { ConnState, SupervisorStatus } from '../source.js';
import { cellWidth, clockTime, truncateLeft } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import type { Tone } from '../theme.js';
import { Line } from './Line.js';

/** What the title bar says of the supervisor. */
function supervisorText(s: SupervisorStatus): { text: string; tone: Tone } {
  if (s.state === 'attached') return { text: `supervisor pid ${s.pid ?? '?'}`, tone: 'ok' };
  if (s.state === 'lost') return { text: 'supervisor went away: showing the database', tone: 'bad' };
  return { text: 'no supervisor: showing the database', tone: 'warn' };
}

/** What the title bar says of a relay that is out of reach, in place of the supervisor it last reported. */
function linkText(c: ConnState, t: { text: (s: string) => string }): { text: string; tone: Tone } {
  const since = 'lostSince' in c ? ` (lost ${clockTime(new Date(c.lostSince).toISOString())})` : '';
  if (c.state === 'refused') return { text: `relay refused${since}: ${t.text(c.error)}`, tone: 'bad' };
  if (c.state === 'reconnecting') return { text: `relay reconnecting${since}: showing the last data`, tone: 'bad' };
  return { text: 'relay connecting', tone: 'warn' };
}

export function TitleBar({
  label,
  supervisor,
  link,
  width,
  view,
}: {
  label: string;
  supervisor: SupervisorStatus;
  /** The relay link of a remote source (of the selected host), if any. */
  link?: ConnState | null;
  width: number;
  view: string;
}) {
  const t = useTheme();
  const sup = link && link.state !== 'connected' ? linkText(link, t) : supervisorText(supervisor);
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
        { text: sup.text, tone: sup.tone, bold: sup.tone === 'bad' },
        ` ${t.g.sep} ${group}`,
      ]}
    />
  );
}
