import { createContext, useCallback, useContext, useState } from 'react';

/** Where views keep what should survive switching away and back (selection, filters). */
export const StickyContext = createContext<Map<string, unknown>>(new Map());

/**
 * useState whose value outlives the component: views are unmounted when hidden (so they
 * neither subscribe nor re-render), and come back where the operator left them.
 */
export function useSticky<T>(key: string, initial: T): [T, (u: T | ((prev: T) => T)) => void] {
  const store = useContext(StickyContext);
  const [value, setValue] = useState<T>(() => (store.has(key) ? (store.get(key) as T) : initial));
  const set = useCallback(
    (u: T | ((prev: T) => T)) =>
      setValue((prev) => {
        const next = typeof u === 'function' ? (u as (p: T) => T)(prev) : u;
        store.set(key, next);
        return next;
      }),
    [store, key],
  );
  return [value, set];
}
