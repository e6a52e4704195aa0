import { usage } from '../core/errors.js';

/** Far above any token; stops a mistaken `< big-file` early. */
const MAX_VALUE_BYTES = 64 * 1024;

/**
 * A secret's value: typed at a no-echo prompt when stdin is a terminal, else exactly one
 * line of stdin (a trailing newline is dropped; a second line is refused, as a pasted
 * file or a stray heredoc would otherwise be stored whole). Never from argv.
 */
export async function readSecretValue(name: string): Promise<string> {
  const value = process.stdin.isTTY ? await promptHidden(`value for ${name} (not shown): `) : oneLine(await readAll());
  if (value === '') throw usage('the secret value is empty', 'give the value on one line of stdin, or type it at the prompt');
  return value;
}

function oneLine(buf: Buffer): string {
  let text = buf.toString('utf8');
  if (text.endsWith('\r\n')) text = text.slice(0, -2);
  else if (text.endsWith('\n')) text = text.slice(0, -1);
  if (/[\r\n]/.test(text)) throw usage('stdin holds more than one line', 'a secret is one line: printf %s "$VALUE" | agor secret set NAME');
  return text;
}

async function readAll(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total > MAX_VALUE_BYTES) {
      process.stdin.destroy();
      throw usage(`the secret value is over ${MAX_VALUE_BYTES} bytes`, 'a secret is one line: a token, a password or a key');
    }
  }
  return Buffer.concat(chunks);
}

/** Reads one line from the terminal in raw mode, echoing nothing. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(usage('cancelled', 'nothing was stored'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    // Echo goes off before the prompt shows: what is typed after it is never echoed.
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.resume();
    stdin.on('data', onData);
  });
}
