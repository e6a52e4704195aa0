import { fstatSync, writeSync } from 'node:fs';

// Touching process.stdout builds a stream (loading node:stream, and node:net for a pipe):
// ~4 ms of a short verb's CPU. The output of one short command is written with plain
// write(2) calls instead; Linux writes stdout synchronously either way, so order holds.

let isTTY: boolean | undefined;
let streaming = false;

/** Whether stdout is a terminal, without building process.stdout unless it may be one. */
export function stdoutIsTTY(): boolean {
  if (isTTY === undefined) {
    try {
      const st = fstatSync(1);
      // Terminals are character devices; /dev/null and the other memory devices (major 1) are not terminals.
      isTTY = st.isCharacterDevice() && Math.floor(st.rdev / 256) % 4096 !== 1 ? process.stdout.isTTY === true : false;
    } catch {
      isTTY = process.stdout.isTTY === true;
    }
  }
  return isTTY;
}

/** Terminal width, or undefined when stdout is not a terminal. */
export function stdoutColumns(): number | undefined {
  return stdoutIsTTY() ? process.stdout.columns : undefined;
}

/**
 * Writes to stdout. Whatever write(2) cannot take (a non-blocking descriptor that is
 * full, a closed pipe) goes to process.stdout, which handles it as it always has.
 */
export function writeStdout(text: string): void {
  if (streaming) {
    process.stdout.write(text);
    return;
  }
  const buf = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < buf.length) done += writeSync(1, buf, done, buf.length - done);
  } catch {
    streaming = true;
    process.stdout.write(buf.subarray(done));
  }
}
