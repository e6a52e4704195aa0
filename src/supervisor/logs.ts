import { closeSync, copyFileSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Size at which a run's log is rotated (AGOR_LOG_MAX_BYTES overrides, for tests). */
export const LOG_MAX_BYTES = Number(process.env.AGOR_LOG_MAX_BYTES) > 0 ? Number(process.env.AGOR_LOG_MAX_BYTES) : 10 * 1024 * 1024;
/** Rotated copies kept beside the live log: run.log.1 (newer), run.log.2 (older). */
export const LOG_KEEP = 2;

/** Where the logs of `agent` live: beside the database, in logs/AGENT/. */
export const agentLogDir = (dataDir: string, agent: string): string => join(dataDir, 'logs', agent);

export const runLogPath = (dataDir: string, agent: string, runId: string): string => join(agentLogDir(dataDir, agent), `${runId}.log`);

/** Opens a run's log for the agent to write: append-only, so rotation by truncation is safe. */
export function openRunLog(path: string): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return openSync(path, 'a', 0o600);
}

/**
 * Rotates `path` when it has grown past `max` bytes: copies it to .1 (shifting older
 * copies) and truncates it in place. The agent keeps writing through its O_APPEND
 * descriptor, now at the start of the file. Returns true when it rotated.
 */
export function rotateIfLarge(path: string, max = LOG_MAX_BYTES): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size <= max) return false;
  for (let i = LOG_KEEP; i > 1; i--) if (existsSync(`${path}.${i - 1}`)) renameSync(`${path}.${i - 1}`, `${path}.${i}`);
  // Only the newest `max` bytes are kept: a flood between two checks must not fill the disk.
  if (size <= 2 * max) copyFileSync(path, `${path}.1`);
  else writeFileSync(`${path}.1`, Buffer.concat([Buffer.from(`[agor: ${size - max} earlier bytes of a flood dropped]\n`), readTailBytes(path, max)]), { mode: 0o600 });
  truncateSync(path, 0);
  return true;
}

export function removeRunLog(path: string): void {
  for (const p of [path, ...Array.from({ length: LOG_KEEP }, (_, i) => `${path}.${i + 1}`)]) rmSync(p, { force: true });
}

function readTailBytes(path: string, bytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** The last `bytes` of a file as text (empty when it does not exist). */
export const readTail = (path: string, bytes: number): string => readTailBytes(path, bytes).toString('utf8');

/** The last `n` lines of a log file; the first line is dropped when it was cut. */
export function tailLines(path: string, n: number): string[] {
  if (n <= 0) return [];
  let bytes = 64 * 1024;
  for (;;) {
    const text = readTail(path, bytes);
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      /* gone */
    }
    const whole = text.length >= size || Buffer.byteLength(text) >= size;
    if (!whole) lines.shift();
    if (lines.length >= n || whole || bytes >= 64 * 1024 * 1024) return lines.slice(-n);
    bytes *= 4;
  }
}

/** Reads what was appended to `path` since `offset`; a shrunk file (rotated) restarts at 0. */
export function readFrom(path: string, offset: number, max = 1024 * 1024, final = false): { text: string; offset: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: '', offset };
  }
  try {
    const size = fstatSync(fd).size;
    if (size < offset) offset = 0;
    const len = Math.min(size - offset, max);
    if (len <= 0) return { text: '', offset };
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, offset);
    // Stop at the last whole line so a line is never split across two reads.
    // (With `final`, the run has ended: its last line comes even without a newline.)
    let cut = len;
    if (!final && buf[len - 1] !== 10) {
      const nl = buf.lastIndexOf(10);
      cut = nl >= 0 ? nl + 1 : len === max ? len : 0;
    }
    return { text: buf.subarray(0, cut).toString('utf8'), offset: offset + cut };
  } finally {
    closeSync(fd);
  }
}
