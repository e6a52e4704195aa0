import type { AuditEntry } from '../source.js';
import { dayTime } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import { Block, type Piece, cell } from './Line.js';

/** Audit entries, oldest at the top (the caller slices the window). */
export function AuditTable({ entries, width }: { entries: AuditEntry[]; width: number }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  const detail = Math.max(1, width - 12 - 15 - 27);
  return (
    <Block
      rows={entries.map((a): Piece[] => [
        { text: `${dayTime(a.created_at)} `, tone: 'muted' },
        cell(t.text(a.agent), 14, e, { tone: 'info' }),
        ' ',
        cell(t.text(a.type), 26, e, { tone: a.type.includes('injection') || a.type.includes('dead') ? 'bad' : undefined }),
        ' ',
        cell(t.text(a.detail), detail, e, { tone: 'muted' }),
      ])}
    />
  );
}
