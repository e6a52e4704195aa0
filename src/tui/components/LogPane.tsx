import type { LogTone, RenderedLine } from '../../supervisor/logrender.js';
import type { Tone } from '../theme.js';
import { useTheme } from '../hooks/useTheme.js';
import { truncate } from '../format.js';
import { Block } from './Line.js';

const TONE: Record<Exclude<LogTone, null>, Tone> = { error: 'bad', tool: 'accent', muted: 'muted', result: 'ok' };

/** The tail of a log in its readable form: the last lines that fit, each cut to the width (agent output is untrusted). */
export function LogPane({ lines, width }: { lines: RenderedLine[]; width: number }) {
  const t = useTheme();
  return <Block rows={lines.map((l) => [{ text: truncate(t.text(l.text), width, t.g.ellipsis), tone: l.tone ? TONE[l.tone] : undefined }])} />;
}
