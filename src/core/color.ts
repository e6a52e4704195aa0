/**
 * Colour level for a stream: NO_COLOR wins, then FORCE_COLOR, then "is it a TTY".
 * Decided here rather than by chalk's own detection so both variables behave the
 * same way in every binary, in the dashboard and in tests.
 */
export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 1 && n <= 3 ? (n as 1 | 2 | 3) : 1;
  }
  return stream.isTTY ? 1 : 0;
}
