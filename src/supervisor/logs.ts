import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** Size at which a run's log is rotated (AGOR_LOG_MAX_BYTES overrides, for tests). */
export const LOG_MAX_BYTES = Number(process.env.AGOR_LOG_MAX_BYTES) > 0 ? Number(process.env.AGOR_LOG_MAX_BYTES) : 10 * 1024 * 1024;
/** Rotated copies kept beside the live log: run.log.1 (newer), run.log.2 (older). */
const LOG_KEEP = 2;

/** Where the logs of `agent` live: beside the database, in logs/AGENT/. */
const agentLogDir = (dataDir: string, agent: string): string => join(dataDir, 'logs', agent);

export const runLogPath = (dataDir: string, agent: string, runId: string): string => join(agentLogDir(dataDir, agent), `${runId}.log`);

/**
 * Opens a run's log for the agent to write: append-only, so rotation by truncation is
 * safe. The log holds whatever the agent printed, secrets included, so it is mode 0600 in
 * 0700 directories (logs/ and logs/AGENT/), made so again if something widened them.
 */
export function openRunLog(path: string): number {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const d of [dir, dirname(dir)]) if (statSync(d).mode & 0o077) chmodSync(d, 0o700);
  const fd = openSync(path, 'a', 0o600);
  if (fstatSync(fd).mode & 0o077) fchmodSync(fd, 0o600);
  return fd;
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
  else
    writeFileSync(`${path}.1`, Buffer.concat([Buffer.from(`[agor: ${size - max} earlier bytes of a flood dropped]\n`), readTailBytes(path, max)]), { mode: 0o600 });
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

/**
 * Where the last `n` lines of a log start, and where it ends (now, or at `upTo`): a
 * backward scan in 64 KiB blocks, so finding 100,000 lines holds one block, never the
 * lines.
 */
export function tailRange(path: string, n: number, upTo?: number): { start: number; end: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { start: 0, end: 0 };
  }
  try {
    const end = Math.min(upTo ?? Infinity, fstatSync(fd).size);
    if (n <= 0 || end === 0) return { start: end, end };
    const block = Buffer.alloc(64 * 1024);
    let pos = end;
    // A last line without its newline counts as a line; the newline that ends the file does not start one.
    let seen = 0;
    let last = end - 1;
    while (pos > 0) {
      const len = Math.min(block.length, pos);
      pos -= len;
      readSync(fd, block, 0, len, pos);
      const limit = last - pos; // newlines at or after it are the file's final one
      // Counted natively, block by block: the supervisor runs without V8's optimizing compilers.
      let count = block.toString('latin1', 0, len).split('\n').length - 1;
      if (limit < len && block[limit] === 10) count--;
      if (seen + count < n) {
        seen += count;
        last = -1;
        continue;
      }
      for (let i = block.lastIndexOf(10, len - 1); i !== -1; i = i > 0 ? block.lastIndexOf(10, i - 1) : -1) {
        if (i === limit) continue;
        if (++seen === n) return { start: pos + i + 1, end };
      }
    }
    return { start: 0, end };
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of `path` between byte offsets `start` and `end`, in batches of about
 * `batchBytes`, without their newlines. A line longer than `maxLine` comes in pieces, so
 * no more than that is ever held; a file truncated meanwhile (rotated) ends the lines.
 */
export function* linesBetween(path: string, start: number, end: number, batchBytes = 64 * 1024, maxLine = 1024 * 1024): Generator<string[]> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    let pos = start;
    let carry: Buffer = Buffer.alloc(0);
    const buf = Buffer.alloc(batchBytes);
    while (pos < end) {
      const got = readSync(fd, buf, 0, Math.min(batchBytes, end - pos), pos);
      if (got <= 0) break;
      pos += got;
      let data = carry.length ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
      const lines: string[] = [];
      let from = 0;
      for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
        lines.push(data.toString('utf8', from, nl));
        from = nl + 1;
      }
      data = data.subarray(from);
      while (data.length > maxLine) {
        lines.push(data.toString('utf8', 0, maxLine));
        data = data.subarray(maxLine);
      }
      carry = Buffer.from(data);
      if (lines.length) yield lines;
    }
    if (carry.length) yield [carry.toString('utf8')];
  } finally {
    closeSync(fd);
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
