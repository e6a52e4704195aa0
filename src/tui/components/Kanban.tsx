import { Box } from 'ink';
import type { Change, Task } from '../../task/views.js';
import type { TaskDetail } from '../../task/board.js';
import { cellWidth, dayTime, duration, shortId, truncate, wrap } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import { PRIORITY_TONE, TASK_STATE_TONE, type Theme } from '../theme.js';
import { Block, Line, type Piece, type Seg, cell } from './Line.js';

const PRIORITY_LETTER: Record<string, string> = { critical: 'C', high: 'H', medium: 'M', low: 'L' };

/** How many two-line cards fit in a column of `height` rows (borders and header take 3). */
export const cardsThatFit = (height: number) => Math.max(1, Math.floor((height - 3) / 2));

/**
 * A card's title in at most two lines of `width` cells, wrapped at word ends, the second
 * cut with the ellipsis: one line left "Write the schema" and "Write the docs" alike.
 */
function titleLines(title: string, width: number, ellipsis: string): string[] {
  const lines = wrap(title, width);
  if (lines.length <= 2) return lines.length ? lines : [''];
  return [lines[0]!, truncate(lines.slice(1).join(' '), width, ellipsis)];
}

/**
 * The cards [start, end) to show in `room` rows, card i taking height(i) rows: the selected
 * one with about as much above it as below, the rest of the room filled. Only the cards
 * near the selection are measured.
 */
function cardWindow(n: number, height: (i: number) => number, selected: number, room: number): [number, number] {
  if (n === 0) return [0, 0];
  const sel = Math.max(0, Math.min(n - 1, selected));
  let start = sel;
  let end = sel + 1;
  let used = height(sel);
  const half = Math.floor((room - used) / 2);
  let above = 0;
  while (start > 0 && above + height(start - 1) <= half) above += height(--start);
  used += above;
  while (end < n && used + height(end) <= room) used += height(end++);
  while (start > 0 && used + height(start - 1) <= room) used += height(--start);
  return [start, end];
}

export interface ColumnProps {
  state: string;
  tasks: Task[];
  /** The selected card's index in this column (kept when the column is not focused). */
  selected: number;
  focused: boolean;
  width: number;
  height: number;
}

/** One state of the board: a bordered column of cards, scrolled to keep the selection in view. */
export function KanbanColumn({ state, tasks, selected, focused, width, height }: ColumnProps) {
  const t = useTheme();
  const e = t.g.ellipsis;
  const inner = Math.max(1, width - 2);
  const titleWidth = Math.max(1, inner - 3);
  const lines = new Map<number, string[]>();
  const titleOf = (i: number) => {
    let l = lines.get(i);
    if (!l) lines.set(i, (l = titleLines(t.text(tasks[i]!.title), titleWidth, e)));
    return l;
  };
  // Borders and the header take 3 rows; a card is its title's lines and the assignee's.
  const [start, end] = cardWindow(tasks.length, (i) => titleOf(i).length + 1, selected, Math.max(1, height - 3));
  const shown = tasks.slice(start, end);
  const pos = shown.length < tasks.length ? ` ${Math.min(selected + 1, tasks.length)}/${tasks.length}` : ` ${tasks.length}`;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={t.g.border} borderColor={t.tone(focused ? 'accent' : 'muted')}>
      <Line
        segs={[
          { text: focused ? t.g.cursor : ' ', tone: 'accent', bold: true },
          cell(state.toUpperCase(), Math.max(1, inner - 1 - cellWidth(pos)), e, { tone: TASK_STATE_TONE[state], bold: true }),
          { text: pos, tone: 'muted' },
        ]}
      />
      {shown.length === 0 ? <Line segs={[{ text: ' (none)', tone: 'muted' }]} /> : null}
      {shown.length ? (
        <Block
          rows={shown.flatMap((task, i): Piece[][] => {
            const sel = focused && start + i === selected;
            const lease = task.lease ? ` ${duration(task.lease.seconds_left)}` : '';
            const who = task.assigned_to ? `@${t.text(task.assigned_to)}` : 'unassigned';
            const [first, ...more] = titleOf(start + i);
            return [
              [
                { text: sel ? t.g.cursor : ' ', tone: 'accent', bold: true },
                { text: PRIORITY_LETTER[task.priority] ?? '?', tone: PRIORITY_TONE[task.priority], bold: task.priority === 'critical' },
                ' ',
                cell(first ?? '', titleWidth, e, { bold: sel }),
              ],
              ...more.map((l): Piece[] => ['   ', cell(l, titleWidth, e, { bold: sel })]),
              ['   ', cell(who + lease, titleWidth, e, { tone: task.assigned_to ? 'info' : 'muted' })],
            ];
          })}
        />
      ) : null}
    </Box>
  );
}

/** The line under the board: the selected card in full, so that cards cut short can be told apart. */
export function CardDetail({ task, state, width }: { task: Task | null; state: string; width: number }) {
  const t = useTheme();
  if (!task) return <Line segs={[{ text: ` no task in ${state}`, tone: 'muted' }]} />;
  const who = task.assigned_to ? `@${t.text(task.assigned_to)}` : 'unassigned';
  const lease = task.lease ? ` ${t.g.sep} lease ${duration(task.lease.seconds_left)}` : '';
  return (
    <Line
      segs={[
        { text: ` ${shortId(task.id)} `, tone: 'muted' },
        cell(`${t.text(task.title)} ${t.g.sep} ${task.priority} ${t.g.sep} ${who}${lease}`, Math.max(1, width - 10), t.g.ellipsis, { bold: true }),
      ]}
    />
  );
}

/** The lines of an opened task: fields, relations, description, comments, history. */
export function taskDetailLines(d: TaskDetail, history: Change[] | null, width: number, t: Theme): Piece[][] {
  const e = t.g.ellipsis;
  const out: Piece[][] = [];
  const task = d.task;
  const text = (s: string, tone?: Seg['tone'], indent = 0) => {
    for (const l of wrap(s, Math.max(1, width - indent))) out.push([' '.repeat(indent), { text: l, tone }]);
  };
  const title = wrap(t.text(task.title), Math.max(1, width - 9));
  out.push([{ text: shortId(task.id), tone: 'muted' }, ' ', { text: title[0] ?? '', bold: true }]);
  for (const l of title.slice(1)) out.push(['         ', { text: l, bold: true }]);
  out.push([
    'state ',
    { text: task.status, tone: TASK_STATE_TONE[task.status], bold: true },
    `  priority `,
    { text: task.priority, tone: PRIORITY_TONE[task.priority] },
    `  assignee ${task.assigned_to ? t.text(task.assigned_to) : '-'}  by ${t.text(task.created_by)}  v${task.version}${d.ready ? '  ready' : ''}`,
  ]);
  if (task.lease) {
    out.push([
      {
        text: `lease: ${t.text(task.lease.agent)}${task.lease.run_id ? ` (run ${shortId(task.lease.run_id)})` : ''}, ${duration(task.lease.seconds_left)} left`,
        tone: 'info',
      },
    ]);
  }
  if (task.parent_task_id) out.push([{ text: `parent: ${shortId(task.parent_task_id)}`, tone: 'muted' }]);
  const rel = (what: string, list: { id: string; title: string; status: string }[]) => {
    for (const r of list) out.push([cell(`${what} ${shortId(r.id)} [${r.status}] ${t.text(r.title)}`, width, e, { tone: TASK_STATE_TONE[r.status] ?? 'muted' })]);
  };
  rel('depends on', d.depends_on);
  rel('needed by', d.dependents);
  rel('subtask', d.children);
  if (task.description.trim()) {
    out.push([]);
    out.push([{ text: 'DESCRIPTION', bold: true, tone: 'muted' }]);
    for (const para of task.description.split(/\r?\n/)) text(t.text(para), undefined, 2);
  }
  out.push([]);
  out.push([{ text: `COMMENTS (${d.comments.length})`, bold: true, tone: 'muted' }]);
  if (!d.comments.length) out.push([{ text: '  none yet: c adds one', tone: 'muted' }]);
  for (const c of d.comments) {
    out.push(['  ', { text: `${dayTime(c.created_at)} `, tone: 'muted' }, { text: t.text(c.agent), tone: 'info', bold: true }]);
    for (const para of c.content.split(/\r?\n/)) text(t.text(para), undefined, 4);
  }
  if (history) {
    out.push([]);
    out.push([{ text: `HISTORY (${history.length})`, bold: true, tone: 'muted' }]);
    for (const h of history) {
      const change = h.old === null ? `${h.field}: ${h.new ?? ''}` : `${h.field}: ${h.old} ${t.g.arrow} ${h.new ?? '-'}`;
      out.push(['  ', { text: `${dayTime(h.created_at)} `, tone: 'muted' }, cell(`${t.text(h.agent)} ${t.text(change)}`, Math.max(1, width - 14), e)]);
    }
  }
  return out;
}

/** A window onto pre-built lines. */
export function ScrollLines({ lines, start, height }: { lines: Piece[][]; start: number; height: number }) {
  return <Block rows={lines.slice(start, start + height)} />;
}
