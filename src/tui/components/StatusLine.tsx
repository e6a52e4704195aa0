import { cellWidth, truncate, truncateLeft } from '../format.js';
import type { PromptView, Status } from '../hooks/usePrompt.js';
import { useTheme } from '../hooks/useTheme.js';
import { Line } from './Line.js';

/**
 * The line above the help line: the open prompt, else the last status (an action's
 * outcome or error), else the keys of the current view.
 */
export function StatusLine({ prompt, status, hints, width }: { prompt: PromptView | null; status: Status; hints: string; width: number }) {
  const t = useTheme();
  if (prompt?.phase === 'confirm') {
    const tail = ' [y/n]';
    return (
      <Line
        segs={[
          { text: truncate(t.text(prompt.question), width - tail.length, t.g.ellipsis), tone: 'warn', bold: true },
          { text: tail, bold: true },
        ]}
      />
    );
  }
  if (prompt?.phase === 'field') {
    const label = `${t.text(prompt.label)}: `;
    if (prompt.choices) {
      const opts = prompt.choices.map((c, i) => (i === prompt.choice ? `[${c}]` : ` ${c} `)).join('');
      const tail = `  ${t.g.leftRight} enter esc`;
      return (
        <Line
          segs={[{ text: label, tone: 'warn', bold: true }, truncate(opts, width - cellWidth(label) - tail.length, t.g.ellipsis), { text: tail, tone: 'muted' }]}
        />
      );
    }
    const tail = prompt.optional ? '  enter (may be empty)  esc' : '  enter  esc';
    const room = Math.max(1, width - cellWidth(label) - tail.length - 1);
    // Show the end of a long entry: that is where the typing happens.
    const shown = truncateLeft(t.text(prompt.buffer), room, t.g.ellipsis);
    return <Line segs={[{ text: label, tone: 'warn', bold: true }, shown, { text: t.g.caret }, { text: tail, tone: 'muted' }]} />;
  }
  if (status) {
    return <Line segs={[{ text: truncate(t.text(status.text), width, t.g.ellipsis), tone: status.tone, bold: status.tone === 'bad' }]} />;
  }
  return <Line segs={[{ text: truncate(hints, width, t.g.ellipsis), tone: 'muted' }]} />;
}
