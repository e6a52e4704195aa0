import { Box, Text } from 'ink';
import { MIN_COLUMNS, MIN_ROWS } from '../theme.js';

/** Shown instead of the views when the terminal is under 80x24. */
export function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  return (
    <Box flexDirection="column">
      <Text>
        enlarge the window to at least {MIN_COLUMNS}x{MIN_ROWS} (now {columns}x{rows})
      </Text>
      {rows > 2 ? <Text>q quits; the agents keep running</Text> : null}
    </Box>
  );
}
