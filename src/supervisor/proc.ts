import { readFileSync, readdirSync } from 'node:fs';

/** What the supervisor reads of a process in /proc/PID/stat. */
export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks since boot at which the process started: with the pid, its identity. */
  starttime: number;
  /** User plus system CPU time, in clock ticks. */
  cpuTicks: number;
}

export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), starttime: Number(f[19]), cpuTicks: Number(f[11]) + Number(f[12]) };
}

let boot: string | undefined;
/** This boot's id: a pid recorded in an earlier boot is never taken for a live one. */
export function bootId(): string {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    } catch {
      boot = '';
    }
  }
  return boot;
}

/** True when `pid` is alive, not a zombie, and is the process that started at `starttime`. */
export function isSameProcess(pid: number | null, starttime: number | null, boot?: string | null): boolean {
  if (!pid || starttime == null) return false;
  if (boot && boot !== bootId()) return false;
  const s = procStat(pid);
  return s !== null && s.starttime === starttime && s.state !== 'Z' && s.state !== 'X';
}

/** Live (non-zombie) members of process group `pgid`, found by scanning /proc. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const s = procStat(pid);
    if (s && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X') out.push(pid);
  }
  return out;
}

/** Sends `signal` to every process of group `pgid`; false when the group is gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to one process; false when it is gone. */
export function killPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function statusField(pid: number, field: string): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'latin1').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Peak resident memory of a process so far, in KiB (VmHWM). */
export const peakRssKb = (pid: number): number | null => statusField(pid, 'VmHWM');

/**
 * Ends what remains of a process group once its leader has exited (children it left
 * behind): SIGTERM, then SIGKILL at `killAt` (a stop's deadline) or after `graceMs`.
 * Resolves when the group is empty, so a stop is over only when nothing is left.
 */
export async function reapGroup(pgid: number, killAt: number | null, graceMs: number): Promise<void> {
  if (!groupMembers(pgid).length) return;
  killGroup(pgid, 'SIGTERM');
  const deadline = killAt ?? Date.now() + graceMs;
  let killed = false;
  while (groupMembers(pgid).length) {
    if (!killed && Date.now() >= deadline) ((killed = true), killGroup(pgid, 'SIGKILL'));
    if (killed && Date.now() > deadline + 5000) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
