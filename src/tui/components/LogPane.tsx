import { useTheme } from '../hooks/useTheme.js';
import { truncate } from '../format.js';
import { Block } from './Line.js';

/** The tail of a log: the last lines that fit, each cut to the width (agent output is untrusted). */
export function LogPane({ lines, width }: { lines: string[]; width: number }) {
  const t = useTheme();
  return <Block rows={lines.map((l) => [truncate(t.text(l), width, t.g.ellipsis)])} />;
}
