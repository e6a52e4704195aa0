import { clamp } from '../format.js';
import type { KeyHandler } from './useViewSlot.js';
import { useSticky } from './useSticky.js';

/**
 * The selected row of a list whose items have a stable `ref`: kept across view switches and
 * across refreshes that reorder the list (by ref, not by position); arrows and page keys move it.
 */
export function useRefSelection<T extends { ref: string }>(items: T[], stickyKey: string, rows: number): { idx: number; selected: T | null; keys: KeyHandler } {
  const [sel, setSel] = useSticky<string | null>(stickyKey, null);
  const found = items.findIndex((i) => i.ref === sel);
  const idx = found >= 0 ? found : 0;
  const keys: KeyHandler = (_input, key) => {
    if (!items.length) return;
    const step = key.upArrow ? -1 : key.downArrow ? 1 : key.pageUp ? -rows : key.pageDown ? rows : 0;
    if (step) setSel(items[clamp(idx + step, 0, items.length - 1)]!.ref);
  };
  return { idx, selected: items[idx] ?? null, keys };
}
