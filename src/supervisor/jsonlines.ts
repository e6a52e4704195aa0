/** The one splitter of the control socket's byte stream into lines, for the server, the client and the tests. */

/** What `next` returns in place of a line longer than the splitter's limit. */
export const LINE_TOO_LARGE = Symbol('line too large');

/**
 * Splits a byte stream into lines at '\n' (a byte no UTF-8 sequence contains elsewhere).
 * Each byte is searched once and a line arriving in many pieces is joined once, so a line
 * of many MB costs linear time. A line over `maxBytes` is never held whole: its bytes are
 * dropped as they come and `next` answers LINE_TOO_LARGE once for it.
 */
export class LineSplitter {
  /** Received and not yet searched past `offset` of the first. */
  private chunks: Buffer[] = [];
  private offset = 0;
  /** The start of a line still arriving. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Dropping the rest of a line already answered as too large. */
  private skipping = false;

  constructor(private readonly maxBytes = Infinity) {}

  push(chunk: Buffer | string): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length) this.chunks.push(b);
  }

  /** The next complete line (without its '\n'), LINE_TOO_LARGE, or null until more arrives. */
  next(): string | typeof LINE_TOO_LARGE | null {
    while (this.chunks.length) {
      const chunk = this.chunks[0]!;
      const nl = chunk.indexOf(10, this.offset);
      if (nl === -1) {
        this.keep(chunk.subarray(this.offset));
        this.chunks.shift();
        this.offset = 0;
        if (this.partialBytes > this.maxBytes) {
          this.dropPartial();
          if (!this.skipping) return ((this.skipping = true), LINE_TOO_LARGE);
        }
        continue;
      }
      const tail = chunk.subarray(this.offset, nl);
      this.offset = nl + 1;
      if (this.offset >= chunk.length) (this.chunks.shift(), (this.offset = 0));
      if (this.skipping) {
        this.skipping = false;
        this.dropPartial();
        continue;
      }
      const bytes = this.partialBytes + tail.length;
      const line = this.partial.length ? Buffer.concat([...this.partial, tail]) : tail;
      this.dropPartial();
      if (bytes > this.maxBytes) return LINE_TOO_LARGE;
      return line.toString('utf8');
    }
    return null;
  }

  /** Every complete line `chunk` finishes, for a splitter without a limit. */
  take(chunk: Buffer | string): string[] {
    this.push(chunk);
    const out: string[] = [];
    for (let l = this.next(); l !== null; l = this.next()) if (l !== LINE_TOO_LARGE) out.push(l);
    return out;
  }

  /** Whether a complete line is waiting to be taken. */
  hasLine(): boolean {
    return this.chunks.some((c, i) => c.indexOf(10, i === 0 ? this.offset : 0) !== -1);
  }

  /** Forgets everything received. */
  clear(): void {
    this.chunks = [];
    this.offset = 0;
    this.dropPartial();
    this.skipping = false;
  }

  private keep(piece: Buffer): void {
    if (!piece.length) return;
    // Past the limit the line is dropped anyway: hold no more of it than that.
    if (this.skipping) return;
    this.partial.push(piece);
    this.partialBytes += piece.length;
  }

  private dropPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
  }
}
