import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
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

/** True when `pid` holds an inotify instance: it has begun watching files (fs.watch). */
export function watchingFiles(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Signal numbers as /proc/PID/status counts them (bit n-1 of SigIgn). */
const SIGNALS = { SIGTERM: 15 } as const;

/** True when `pid` ignores `signal` (SIG_IGN, e.g. after `trap "" TERM` in sh). */
export function ignores(pid: number, signal: keyof typeof SIGNALS): boolean {
  try {
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << BigInt(SIGNALS[signal] - 1))) !== 0n;
  } catch {
    return false;
  }
}

/** What a spawned child (stdout and stderr piped) printed, once it has closed, and its exit status. */
export async function outputOf(child: import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>) {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((r) => child.once('close', r));
  return { status, stdout, stderr };
}
