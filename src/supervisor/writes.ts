import { isBusy } from '../db/errors.js';

interface Pending {
  what: string;
  key: string | null;
  fn: () => void;
}

export interface WriteQueueOptions {
  log: (line: string) => void;
  /** The first retry comes after about this long (jittered), doubling up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Called when writes that had to wait have all been recorded. */
  drained?: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The supervisor's writes, which must be neither lost nor fatal. Each is tried at once when
 * nothing waits before it; while another process holds the database's write lock past the
 * (short) busy timeout, writes wait here in order and are retried with jittered back-off,
 * and the supervisor goes on answering and supervising. A write with a key replaces a
 * waiting one with the same key (an agent's latest state wins). Any other error is a bug
 * or a broken file: logged, and that write dropped rather than retried forever.
 */
export class WriteQueue {
  private readonly q: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly min: number;
  private readonly max: number;
  private delay: number;
  private waitingSince: number | null = null;
  private lastReport = 0;
  private closed = false;

  constructor(private readonly o: WriteQueueOptions) {
    this.min = o.minDelayMs ?? 250;
    this.max = o.maxDelayMs ?? 1000;
    this.delay = this.min;
  }

  /** Writes now, or queues the write behind those waiting. True when it is recorded. */
  write(what: string, fn: () => void, key?: string): boolean {
    if (key !== undefined) {
      const i = this.q.findIndex((p) => p.key === key);
      if (i !== -1) this.q.splice(i, 1);
    }
    this.q.push({ what, key: key ?? null, fn });
    // A retry is already due: trying now too would only block the process again.
    if (this.timer) return false;
    return this.flush() || !this.q.some((p) => p.fn === fn);
  }

  /** True when a write with `key` waits. */
  has(key: string): boolean {
    return this.q.some((p) => p.key === key);
  }

  get size(): number {
    return this.q.length;
  }

  /** Tries the waiting writes in order, up to the first still refused. True when none waits. */
  flush(): boolean {
    while (this.q.length) {
      const p = this.q[0]!;
      try {
        p.fn();
      } catch (err) {
        if (isBusy(err)) {
          this.busy();
          return false;
        }
        this.o.log(`could not record ${p.what}: ${(err as Error)?.stack ?? String(err)}`);
      }
      this.q.shift();
    }
    this.caughtUp();
    return true;
  }

  /** Retries until nothing waits or `timeoutMs` has passed; for shutdown. True when all were recorded. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.flush()) {
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(this.jittered(), Math.max(1, deadline - Date.now())));
    }
    return true;
  }

  /** Stops the retry timer; what still waits stays unwritten. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private jittered(): number {
    return Math.round(this.delay * (0.5 + Math.random()));
  }

  private busy(): void {
    const now = Date.now();
    if (this.waitingSince === null) {
      this.waitingSince = now;
      this.lastReport = now;
      this.o.log(`database busy (another process holds the write lock): ${this.q.length} write(s) wait, retrying`);
    } else if (now - this.lastReport >= 30_000) {
      this.lastReport = now;
      this.o.log(`database still busy after ${Math.round((now - this.waitingSince) / 1000)} s: ${this.q.length} write(s) wait`);
    }
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.jittered());
    }
    this.delay = Math.min(this.max, this.delay * 2);
  }

  private caughtUp(): void {
    this.delay = this.min;
    if (this.timer) (clearTimeout(this.timer), (this.timer = null));
    if (this.waitingSince === null) return;
    this.o.log(`database writes caught up after ${((Date.now() - this.waitingSince) / 1000).toFixed(1)} s`);
    this.waitingSince = null;
    this.o.drained?.();
  }
}
