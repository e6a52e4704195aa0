import type { ConnState, HostInfo } from '../source.js';
import { cellWidth, clockTime, truncate } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import type { Theme, Tone } from '../theme.js';
import { Line, type Seg } from './Line.js';

/** Whether a host's data is live (else the last known, greyed). */
export const isLive = (c: ConnState): boolean => c.state === 'connected';

const at = (ms: number): string => clockTime(new Date(ms).toISOString());

/**
 * A host's link as the Fleet's host line says it: `connected`, `reconnecting in 4 s
 * (lost 12:03:10)`, `lost since 12:03:10: why` (refused: it waits for the operator).
 */
export function connText(c: ConnState, now: number, t: Theme): { text: string; tone: Tone } {
  if (c.state === 'connected') return { text: 'connected', tone: 'ok' };
  if (c.state === 'connecting') return { text: `connecting${t.g.ellipsis}`, tone: 'warn' };
  if (c.state === 'reconnecting') {
    const secs = Math.ceil((c.next - now) / 1000);
    const when = secs > 0 ? `in ${secs} s` : 'now';
    return { text: `reconnecting ${when} (lost ${at(c.lostSince)})`, tone: 'warn' };
  }
  return { text: `lost since ${at(c.lostSince)}: ${t.text(c.error)}`, tone: 'bad' };
}

/** The Fleet's line above a host's agents: its name, its link, and where it is. */
export function hostLine(h: HostInfo, agents: number, now: number, width: number, t: Theme): Seg[] {
  const c = connText(h.conn, now, t);
  const head = `${t.text(h.name)} `;
  const tail = ` ${t.g.sep} ${agents} agent${agents === 1 ? '' : 's'} ${t.g.sep} ${t.text(h.label)}`;
  const room = Math.max(0, width - cellWidth(head) - cellWidth(c.text));
  return [
    { text: head, bold: true, tone: 'title' },
    { text: c.text, tone: c.tone, bold: !isLive(h.conn) },
    { text: truncate(tail, room, t.g.ellipsis), tone: 'muted' },
  ];
}

/** The hosts as tabs, the selected one marked, for the views that show one host's data. */
export function HostTabs({ hosts, selected, width, hint }: { hosts: HostInfo[]; selected: string; width: number; hint: string }) {
  const t = useTheme();
  const segs: Seg[] = [{ text: 'HOST ', bold: true, tone: 'muted' }];
  for (const h of hosts) {
    const live = isLive(h.conn);
    const name = t.text(h.name) + (live ? '' : ` (${h.conn.state === 'connecting' ? 'connecting' : 'lost'})`);
    segs.push(h.name === selected ? { text: `[${name}]`, tone: 'accent', bold: true } : { text: ` ${name} `, tone: live ? undefined : 'muted' });
  }
  const used = segs.reduce((n, s) => n + cellWidth(s.text), 0);
  segs.push({ text: truncate(`  ${hint}`, Math.max(0, width - used), t.g.ellipsis), tone: 'muted' });
  return <Line segs={segs} />;
}
