import { color } from '../../cli/color.js';
import { usage } from '../../core/errors.js';
import { emit, oneLine, shortId, visibleLength } from '../../cli/output.js';
import type { Task } from '../../task/views.js';
import { type Verb, flagMark, myId, priorityLabel, stateLabel, withBoard } from './shared.js';

const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - visibleLength(s)));

/** Five columns side by side, as wide as the terminal allows (80 columns upward). */
function renderBoard(cols: Record<string, Task[]>, width: number, rows = 20): string[] {
  const c = color();
  const states = Object.keys(cols);
  const gap = 1;
  const w = Math.max(14, Math.floor((Math.max(80, width) - gap * (states.length - 1)) / states.length));
  const header = states.map((s) => pad(stateLabel(s, `${s.toUpperCase()} (${cols[s]!.length})`), w)).join(' '.repeat(gap));
  const lines = [header, states.map(() => c.dim('─'.repeat(w))).join(' '.repeat(gap))];
  const cards = states.map((s) =>
    cols[s]!.slice(0, rows).flatMap((t) => [
      pad(
        `${priorityLabel(t.priority, t.priority === 'critical' ? '!' : t.priority === 'high' ? '^' : t.priority === 'low' ? '.' : '·')} ${t.flags.length ? flagMark(t.flags) + oneLine(t.title, w - 4) : oneLine(t.title, w - 2)}`,
        w,
      ),
      pad(c.dim(oneLine(`${shortId(t.id)} ${t.assigned_to ? '@' + t.assigned_to : ''}`, w)), w),
    ]),
  );
  const height = Math.max(0, ...cards.map((x) => x.length));
  for (let i = 0; i < height; i++)
    lines.push(
      cards
        .map((x) => x[i] ?? ' '.repeat(w))
        .join(' '.repeat(gap))
        .trimEnd(),
    );
  const more = states.map((s) => (cols[s]!.length > rows ? c.dim(`+${cols[s]!.length - rows} more`) : ''));
  if (more.some(Boolean))
    lines.push(
      more
        .map((m) => pad(m, w))
        .join(' '.repeat(gap))
        .trimEnd(),
    );
  return lines;
}

export const board: Verb<{ width?: number }> = {
  command: 'board',
  describe: 'The kanban board: one column per state, fitted to the terminal',
  builder: (y) =>
    y.option('width', {
      // A string, so the coerce below sees what was typed ('wide', not NaN).
      type: 'string',
      requiresArg: true,
      describe: 'Columns to fit (default: the terminal, at least 80)',
      coerce: (v: unknown) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw usage(`invalid --width '${String(v)}'`, 'give a number of columns, e.g. 80');
        return n;
      },
    }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const cols = await withBoard(argv, (db) => b.board(db, myId()));
    emit(argv.json, cols, (x) => renderBoard(x, argv.width ?? process.stdout.columns ?? 80));
  },
};
