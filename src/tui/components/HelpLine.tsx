import { cellWidth } from '../format.js';
import { LINE_KEYS } from '../keymap.js';
import { Line, type Seg } from './Line.js';

export interface Tab {
  key: string;
  name: string;
}

/** The bottom line: the views with their keys (the current one marked), help and quit. */
export function HelpLine({ tabs, current, width }: { tabs: readonly Tab[]; current: number; width: number }) {
  const tabSegs = (pad: string): Seg[] =>
    tabs.map((tab, i) => (i === current ? { text: `[${tab.key} ${tab.name}]`, tone: 'accent', bold: true } : { text: ` ${tab.key} ${tab.name}${pad}` }));
  const width0 = (segs: Seg[]) => segs.reduce((n, s) => n + cellWidth(s.text), 0);
  let segs = tabSegs(' ');
  // 80 columns hold every tab and q quit only with one space between tabs.
  if (width0(segs) + cellWidth(`  ${LINE_KEYS.at(-1)}`) > width) segs = tabSegs('');
  const used = width0(segs);
  // Short of room, the first reminder (tab) goes, then the next ones, leaving q quit.
  let keys = width - used >= 30 ? LINE_KEYS : LINE_KEYS.slice(1);
  while (keys.length > 1 && used + cellWidth(`  ${keys.join('  ')}`) > width) keys = keys.slice(1);
  const tail = `  ${keys.join('  ')}`;
  return <Line segs={[...segs, { text: tail, tone: 'muted' }]} />;
}
