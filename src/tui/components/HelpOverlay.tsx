import { Box } from 'ink';
import type { HelpSection } from '../keymap.js';
import { useTheme } from '../hooks/useTheme.js';
import { Line, cell } from './Line.js';

/** The full list of keys, in place of the view until ? or esc; two columns when one is too tall. */
export function HelpOverlay({ sections, width, height }: { sections: HelpSection[]; width: number; height: number }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  const total = sections.reduce((n, s) => n + 1 + s.keys.length, 0);
  const twoColumns = total > height;
  const colWidth = twoColumns ? Math.floor(width / 2) : width;
  const lines: JSX.Element[] = [];
  for (const s of sections) {
    lines.push(<Line key={`h:${s.title}`} segs={[{ text: s.title, bold: true, tone: 'title' }]} />);
    for (const k of s.keys) {
      lines.push(<Line key={`${s.title}:${k.keys}`} segs={[' ', cell(k.keys, 12, e, { bold: true }), ' ', cell(k.what, Math.max(1, colWidth - 15), e)]} />);
    }
  }
  if (!twoColumns) return <Box flexDirection="column">{lines}</Box>;
  // Break between sections where possible, so a section stays in one column.
  let split = 0;
  let n = 0;
  for (const s of sections) {
    if (n + 1 + s.keys.length > height) break;
    n += 1 + s.keys.length;
    split = n;
  }
  if (split === 0) split = Math.min(height, lines.length);
  return (
    <Box>
      <Box flexDirection="column" width={colWidth}>
        {lines.slice(0, split)}
      </Box>
      <Box flexDirection="column">{lines.slice(split, split + height)}</Box>
    </Box>
  );
}
