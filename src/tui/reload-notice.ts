/** The dashboard's line about a reload of agor.yaml, from the supervisor's `reload` event (local or through a relay). */
import { reloadSummary } from '../supervisor/protocol.js';

export interface ReloadNotice {
  /** Counts the reloads seen, so the same result twice still shows again. */
  seq: number;
  status: 'applied' | 'refused';
  text: string;
}

const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The notice for `ev` when it is a reload event (its fields checked: a relay's events arrive as plain JSON), else null. */
export function reloadNotice(ev: Record<string, unknown>, seq: number): ReloadNotice | null {
  if (ev.event !== 'reload' || (ev.status !== 'applied' && ev.status !== 'refused')) return null;
  const error = typeof ev.error === 'string' ? ev.error : null;
  if (ev.status === 'refused') return { seq, status: 'refused', text: `agor.yaml reload refused: ${error ?? 'unknown error'}` };
  const summary = reloadSummary({ added: ids(ev.added), removed: ids(ev.removed), restarted: ids(ev.restarted), updated: ids(ev.updated) });
  return { seq, status: 'applied', text: `agor.yaml reloaded: ${summary}${error ? ` (not done: ${error})` : ''}` };
}
