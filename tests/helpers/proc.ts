import { readFileSync, readdirSync } from 'node:fs';
import { procStat } from '../../src/supervisor/proc.js';

/** What a test needs of a process, read from /proc/PID/stat. */
export interface Proc {
  pid: number;
  ppid: number;
  pgrp: number;
  /** R, S, D, Z, T, … */
  state: string;
}

export function procOf(pid: number): Proc | null {
  const s = procStat(pid);
  return s && { pid, state: s.state, ppid: s.ppid, pgrp: s.pgrp };
}

const pids = (): number[] =>
  readdirSync('/proc')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  const p = procOf(pid);
  return p !== null && p.state !== 'Z' && p.state !== 'X';
}

/** Live (non-zombie) processes of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return pids().filter((pid) => {
    const p = procOf(pid);
    return p !== null && p.pgrp === pgid && p.state !== 'Z' && p.state !== 'X';
  });
}

/**
 * Live processes other than this one whose command line or environment contains `text`:
 * with a test's unique temporary directory, exactly the processes that test started.
 */
export function processesMentioning(text: string): number[] {
  return pids().filter((pid) => {
    if (pid === process.pid || !alive(pid)) return false;
    for (const f of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${pid}/${f}`, 'latin1').includes(text)) return true;
      } catch {
        /* gone, or not ours to read */
      }
    }
    return false;
  });
}
