import { Box } from 'ink';
import { useMemo } from 'react';
import type { DataSource } from '../source.js';
import type { Board, TaskDetail } from '../../task/board.js';
import type { Change } from '../../task/views.js';
import { clamp, shortId } from '../format.js';
import { Empty } from '../components/Empty.js';
import { CardDetail, KanbanColumn, ScrollLines, cardsThatFit, taskDetailLines } from '../components/Kanban.js';
import { Line } from '../components/Line.js';
import { useSource } from '../hooks/useSource.js';
import { useSticky } from '../hooks/useSticky.js';
import { useTheme } from '../hooks/useTheme.js';
import { useViewSlot } from '../hooks/useViewSlot.js';

export const BOARD_STATES = ['todo', 'progress', 'review', 'done', 'blocked'] as const;

export interface BoardViewProps {
  source: DataSource;
  width: number;
  height: number;
}

const EMPTY_BOARD: Board = { todo: [], progress: [], review: [], done: [], blocked: [] };

/** The kanban board; enter opens the selected task (comments, history), esc goes back. */
export function BoardView({ source, width, height }: BoardViewProps) {
  const t = useTheme();
  const board = useSource(source, (s) => s.board(), [], { fallback: EMPTY_BOARD });
  const [col, setCol] = useSticky('board.col', 0);
  const [rows, setRows] = useSticky<number[]>('board.rows', [0, 0, 0, 0, 0]);
  const [open, setOpen] = useSticky<string | null>('board.open', null);
  const [scroll, setScroll] = useSticky('board.scroll', 0);
  const opened = useSource(
    source,
    (s): { detail: TaskDetail | null; history: Change[] | null } =>
      open ? { detail: s.task(open), history: s.taskHistory?.(open) ?? null } : { detail: null, history: null },
    [open],
    { fallback: { detail: null, history: null } },
  );

  const columns = BOARD_STATES.map((s) => board[s] ?? []);
  const colTasks = columns[col] ?? [];
  const row = clamp(rows[col] ?? 0, 0, Math.max(0, colTasks.length - 1));
  // The task that v and c act on: the opened one (none when it is gone), else the selected card.
  const current = open ? (opened.detail?.task ?? null) : (colTasks[row] ?? null);

  const lines = useMemo(() => (opened.detail ? taskDetailLines(opened.detail, opened.history, width, t) : []), [opened, width, t]);
  const detailRows = height - 1;
  const maxScroll = Math.max(0, lines.length - detailRows);
  // The columns leave a row for the selected card's line.
  const columnHeight = height - 1;
  const page = open ? detailRows : cardsThatFit(columnHeight);

  useViewSlot({
    task: current,
    keys: (_input, key) => {
      if (open) {
        if (key.escape) {
          setOpen(null);
          setScroll(0);
        } else if (key.upArrow) setScroll((s) => clamp(s - 1, 0, maxScroll));
        else if (key.downArrow) setScroll((s) => clamp(s + 1, 0, maxScroll));
        else if (key.pageUp) setScroll((s) => clamp(s - page, 0, maxScroll));
        else if (key.pageDown) setScroll((s) => clamp(s + page, 0, maxScroll));
        return;
      }
      const move = (d: number) => setRows((r) => r.map((v, i) => (i === col ? clamp(row + d, 0, Math.max(0, colTasks.length - 1)) : v)));
      if (key.leftArrow) setCol((c) => clamp(c - 1, 0, BOARD_STATES.length - 1));
      else if (key.rightArrow) setCol((c) => clamp(c + 1, 0, BOARD_STATES.length - 1));
      else if (key.upArrow) move(-1);
      else if (key.downArrow) move(1);
      else if (key.pageUp) move(-page);
      else if (key.pageDown) move(page);
      else if (key.return && colTasks[row]) {
        setOpen(colTasks[row]!.id);
        setScroll(0);
      }
    },
  });

  if (open) {
    if (!opened.detail) {
      return <Empty what={`task ${shortId(open)} is gone`} todo="esc goes back to the board" />;
    }
    const start = clamp(scroll, 0, maxScroll);
    const more = lines.length > detailRows ? `  ${t.g.upDown} ${start + 1}-${Math.min(lines.length, start + detailRows)}/${lines.length}` : '';
    return (
      <Box flexDirection="column" height={height}>
        <Line
          segs={[
            { text: `TASK${more}`, bold: true, tone: 'muted' },
            { text: '  esc back', tone: 'muted' },
          ]}
        />
        <ScrollLines lines={lines} start={start} height={detailRows} />
      </Box>
    );
  }

  if (columns.every((c) => c.length === 0))
    return <Empty what='no tasks: add one with bttask add "title"' todo="the board fills in as agents and the operator add tasks" />;

  const w = Math.floor(width / BOARD_STATES.length);
  return (
    <Box flexDirection="column" height={height}>
      <Box height={columnHeight}>
        {BOARD_STATES.map((s, i) => (
          <KanbanColumn
            key={s}
            state={s}
            tasks={columns[i]!}
            selected={i === col ? row : clamp(rows[i] ?? 0, 0, Math.max(0, columns[i]!.length - 1))}
            focused={i === col}
            width={i === BOARD_STATES.length - 1 ? width - w * (BOARD_STATES.length - 1) : w}
            height={columnHeight}
          />
        ))}
      </Box>
      <CardDetail task={colTasks[row] ?? null} state={BOARD_STATES[col]!} width={width} />
    </Box>
  );
}
