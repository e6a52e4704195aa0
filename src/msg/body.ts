import { usage } from '../core/errors.js';

/** Largest message body accepted, in bytes of UTF-8. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Checks a message body; returns it unchanged or throws a usage error. */
export function validateBody(content: string): string {
  if (content.trim() === '') throw usage('message is empty', 'give the message as arguments, or - to read it from stdin');
  if (content.includes('\0')) throw usage('message contains a NUL byte', 'send text, not binary data');
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw usage(`message is ${bytes} bytes, over the 1 MiB limit`, 'put large content in a file and send its path');
  }
  return content;
}

/** Decodes stdin bytes as strict UTF-8, refusing NUL bytes and oversize input before decoding. */
export function decodeBody(buf: Buffer): string {
  if (buf.length > MAX_BODY_BYTES) {
    throw usage(`message is over the 1 MiB limit (${buf.length}+ bytes on stdin)`, 'put large content in a file and send its path');
  }
  if (buf.includes(0)) throw usage('message on stdin contains a NUL byte', 'send text, not binary data');
  try {
    // Drop the one newline that ends what echo, a heredoc or an editor writes, as $(...) would.
    return new TextDecoder('utf-8', { fatal: true }).decode(buf).replace(/\r?\n$/, '');
  } catch {
    throw usage('message on stdin is not valid UTF-8', 'convert it first, e.g. iconv -t UTF-8');
  }
}
