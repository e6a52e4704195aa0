/** What confines an agent, as agor.yaml says it: the types the planner and the parser share. */

/** An agent's `sandbox:` block. */
export interface SandboxConfig {
  mode: 'required' | 'best-effort' | 'off';
  /** Absolute, resolved paths as the user wrote them; the defaults are not in these lists. */
  read: string[];
  write: string[];
  /** null: all; else the only TCP ports the agent may connect to and bind. */
  network: null | { connect: number[]; bind: number[] };
  unixSockets: 'deny' | 'allow';
}

/** An agent's `limits:` block; null is no limit. */
export interface Limits {
  memoryBytes: number | null;
  pids: number | null;
  cpuTimeSec: number | null;
  openFiles: number | null;
}

/** The Unix user (and group) an agent runs as, from `user:` and `group:`. */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
  /** Supplementary groups, the primary gid included, as initgroups(3) would set them. */
  groups: number[];
  home: string;
}

export const SANDBOX_DEFAULTS: SandboxConfig = { mode: 'best-effort', read: [], write: [], network: null, unixSockets: 'deny' };
export const NO_LIMITS: Limits = { memoryBytes: null, pids: null, cpuTimeSec: null, openFiles: null };

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A size like 2G, 512M, 100K, 1.5GiB or a byte count (binary multiples, any case) -> bytes; undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Bytes -> the shortest exact size of the grammar above ("2G", "512M", "1000"). */
export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const n = UNITS[unit.toLowerCase()]!;
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}
