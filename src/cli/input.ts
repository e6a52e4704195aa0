import { usage } from '../core/errors.js';
import { MAX_BODY_BYTES, decodeBody } from '../msg/body.js';

/**
 * A message body from argv words (joined with spaces, as the earlier btmsg did) or, when
 * the only word is "-", from stdin.
 */
export async function readBody(words: readonly (string | number)[] | undefined): Promise<string> {
  const parts = (words ?? []).map(String);
  if (parts.length === 1 && parts[0] === '-') {
    if (process.stdin.isTTY) throw usage('"-" reads the message from stdin, but stdin is a terminal', 'pipe the message in: echo hi | btmsg send bob -');
    let buf: Buffer;
    try {
      buf = await readStdin();
    } catch (e) {
      throw usage(`cannot read stdin: ${(e as Error).message}`);
    }
    return decodeBody(buf);
  }
  if (parts.length === 0) throw usage('message is missing', 'give it as arguments, or - to read stdin');
  return parts.join(' ');
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    // Stop once over the limit: decodeBody reports it without buffering gigabytes.
    if (total > MAX_BODY_BYTES) {
      process.stdin.destroy();
      break;
    }
  }
  return Buffer.concat(chunks);
}
