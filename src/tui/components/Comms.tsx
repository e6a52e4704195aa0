import { Box } from 'ink';
import type { FeedItem } from '../../msg/messages.js';
import type { DeadLetter } from '../../msg/views.js';
import { cellWidth, clockTime, dayTime } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import { Block, Line, type Piece, type Seg, cell } from './Line.js';

const ROUTE = 26;

/** The message feed, one line per message, oldest at the top (the caller slices the window). */
export function FeedList({ items, width, header }: { items: FeedItem[]; width: number; header: string }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  return (
    <Box flexDirection="column">
      <Line segs={[cell(header, width, e, { bold: true, tone: 'muted' })]} />
      <Block
        rows={items.map((m): Piece[] => {
          const to = m.kind === 'channel' ? `#${t.text(m.channel)}` : t.text(m.to);
          const route = `${t.text(m.from)} ${t.g.arrow} ${to}`;
          const flagged = m.flags.length > 0;
          const flag: Seg[] = flagged
            ? [
                { text: `${t.g.flag} `, tone: 'bad', bold: true },
                { text: `[${t.text(m.flags.join(','))}] `, tone: 'bad' },
              ]
            : [];
          const used = 9 + ROUTE + 1 + flag.reduce((n, s) => n + cellWidth(s.text), 0);
          return [
            { text: `${clockTime(m.created_at)} `, tone: 'muted' },
            cell(route, ROUTE, e, { tone: m.kind === 'channel' ? 'accent' : 'info' }),
            ' ',
            ...flag,
            cell(t.text(m.content), Math.max(1, width - used), e),
          ];
        })}
      />
    </Box>
  );
}

/** Messages that could not be delivered, each with its reason. */
export function DeadLetterList({ letters, width }: { letters: DeadLetter[]; width: number }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  return (
    <Box flexDirection="column">
      <Line segs={[cell(`DEAD LETTERS (latest ${letters.length})`, width, e, { bold: true, tone: 'bad' })]} />
      {letters.map((d) => (
        <Box key={d.id} flexDirection="column">
          <Line
            segs={[
              { text: `${dayTime(d.created_at)} `, tone: 'muted' },
              cell(`${t.text(d.from)} ${t.g.arrow} ${t.text(d.to)}`, ROUTE, e),
              ' ',
              d.flags.length ? { text: `${t.g.flag} `, tone: 'bad', bold: true } : null,
              cell(t.text(d.content), Math.max(1, width - 12 - ROUTE - 1 - (d.flags.length ? cellWidth(t.g.flag) + 1 : 0)), e),
            ]}
          />
          <Line segs={['  ', cell(`reason: ${t.text(d.reason)}`, Math.max(1, width - 2), e, { tone: 'bad' })]} />
        </Box>
      ))}
    </Box>
  );
}
