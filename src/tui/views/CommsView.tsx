import { Box } from 'ink';
import type { DataSource } from '../source.js';
import { clamp } from '../format.js';
import { DeadLetterList, FeedList } from '../components/Comms.js';
import { Empty } from '../components/Empty.js';
import { useSource } from '../hooks/useSource.js';
import { useSticky } from '../hooks/useSticky.js';
import { useTheme } from '../hooks/useTheme.js';
import { useViewSlot } from '../hooks/useViewSlot.js';

export interface CommsViewProps {
  source: DataSource;
  width: number;
  height: number;
}

/**
 * Direct and channel messages across the team, newest at the bottom, and the latest dead
 * letters with their reasons. Reads only the rows it shows (plus how far it is scrolled
 * back), never the whole feed.
 */
export function CommsView({ source, width, height }: CommsViewProps) {
  const t = useTheme();
  const maxLetters = clamp(Math.floor((height - 8) / 4), 1, 5);
  const letters = useSource(source, (s) => s.deadLetters(maxLetters), [maxLetters], { fallback: [] });
  const [offset, setOffset] = useSticky('comms.offset', 0);
  const dlRows = letters.length ? 2 + 2 * letters.length : 0;
  const rows = Math.max(1, height - 1 - dlRows);
  const limit = rows + offset;
  const items = useSource(source, (s) => s.feed(limit), [limit], { fallback: [] });
  // Fewer items than asked for means the start of the feed is in view: scroll no further back.
  const maxOffset = items.length < limit ? Math.max(0, items.length - rows) : offset + rows;
  const off = Math.min(offset, maxOffset);

  useViewSlot({
    keys: (_input, key) => {
      if (key.upArrow) setOffset(clamp(off + 1, 0, maxOffset));
      else if (key.downArrow) setOffset(clamp(off - 1, 0, maxOffset));
      else if (key.pageUp) setOffset(clamp(off + rows, 0, maxOffset));
      else if (key.pageDown) setOffset(clamp(off - rows, 0, maxOffset));
    },
  });

  if (!items.length && !letters.length)
    return <Empty what='no messages yet: btmsg send <agent> "text" sends one' todo="direct messages, channel posts and dead letters show up here" />;
  const end = Math.max(0, items.length - off);
  const shown = items.slice(Math.max(0, end - rows), end);
  const header = off > 0 ? `FEED  ${off} newer below (${t.g.down})` : `FEED  newest at the bottom (${t.g.up} scrolls back)`;
  return (
    <Box flexDirection="column" height={height}>
      <FeedList items={shown} width={width} header={header} />
      {letters.length ? (
        <Box flexDirection="column" marginTop={1}>
          <DeadLetterList letters={letters} width={width} />
        </Box>
      ) : null}
    </Box>
  );
}
