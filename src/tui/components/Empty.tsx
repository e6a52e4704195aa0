import { Box } from 'ink';
import { Line } from './Line.js';

/** An empty view: what is missing, and what to do about it. */
export function Empty({ what, todo }: { what: string; todo?: string }) {
  return (
    <Box flexDirection="column" paddingLeft={1} paddingTop={1}>
      <Line segs={[{ text: what, bold: true }]} />
      {todo ? <Line segs={[{ text: todo, tone: 'muted' }]} /> : null}
    </Box>
  );
}
