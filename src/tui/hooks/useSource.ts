import { createContext, createElement, useContext, useEffect, useMemo, useReducer, useRef } from 'react';
import type { ReactNode } from 'react';
import type { DataSource } from '../source.js';

/** Notifications closer together than this are merged into one read. */
const COALESCE_MS = 100;

export interface UseSourceOptions<T> {
  /** Also re-read on this interval (ms), e.g. to follow a log file. */
  pollMs?: number;
  /** Shown when the first read fails (later failures keep the last good value). */
  fallback?: T;
}

/**
 * The source's version, counted by one subscription at the top of the tree: a change
 * re-renders the dashboard once, not once per component that reads the source.
 */
const VersionContext = createContext<number | null>(null);

function useVersion(source: DataSource, enabled: boolean): number {
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const fire = () => {
      timer = null;
      last = Date.now();
      bump();
    };
    const off = source.subscribe(() => {
      if (timer) return;
      const wait = last + COALESCE_MS - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [source, enabled]);
  return version;
}

/** Provides one version of `source` to every useSource below it. */
export function SourceVersion({ source, children }: { source: DataSource; children: ReactNode }) {
  return createElement(VersionContext.Provider, { value: useVersion(source, true) }, children);
}

/**
 * Reads `read(source)` on mount, whenever `deps` change, and after every `subscribe`
 * notification (bursts merged, at most one read per 100 ms). Reads are cheap synchronous
 * snapshots, so there is no loading state; a read that throws keeps the last good value.
 */
export function useSource<T>(source: DataSource, read: (s: DataSource) => T, deps: readonly unknown[] = [], opts: UseSourceOptions<T> = {}): T {
  const shared = useContext(VersionContext);
  // Without a SourceVersion above (a component rendered alone), subscribe here.
  const own = useVersion(source, shared === null);
  const [polled, bump] = useReducer((n: number) => n + 1, 0);
  const version = (shared ?? own) * 1_000_000 + polled;

  const { pollMs } = opts;
  useEffect(() => {
    if (!pollMs) return;
    const t = setInterval(bump, pollMs);
    return () => clearInterval(t);
  }, [pollMs]);

  const good = useRef<{ value: T } | null>(null);
  return useMemo(() => {
    try {
      const value = read(source);
      good.current = { value };
      return value;
    } catch (e) {
      if (good.current) return good.current.value;
      if ('fallback' in opts) return opts.fallback as T;
      throw e;
    }
    // `read` is left out on purpose: callers pass a new closure each render, and `deps` says when it reads something else.
  }, [source, version, ...deps]);
}
