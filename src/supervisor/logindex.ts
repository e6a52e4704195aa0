/**
 * The run-log index of `agor search`: when a run ends, its log is read in slices, turned
 * into readable text (the words of JSON transcripts, not their plumbing), scrubbed of the
 * run's secrets and token shapes, and written in chunks of lines to run_log_chunks. The
 * supervisor never waits for it: slices are read asynchronously with a yield between them,
 * and a slice that meets a busy database is tried again later.
 */
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { showControls, stripSequences } from '../core/text.js';
import { isBusy } from '../db/errors.js';
import { type Db, writeTx } from '../db/open.js';
import { getRun } from '../db/runs.js';
import { type LogChunk, addRunLogChunks, clearRunLog, markRunLogIndexed, runsToIndex } from '../db/search.js';
import type { Scrubber } from '../secrets/scrub.js';
import { scrubLines } from './scrubbing.js';
import { type TranscriptItem, parseTranscriptLine } from './transcript.js';

/** At most this much of a run's log is indexed: its end, where a run's outcome shows. */
export const INDEX_MAX_BYTES = 4 * 1024 * 1024;
/** Read, scrubbed and written at once; small enough that no slice holds the event loop long. */
const SLICE_BYTES = 64 * 1024;
/** Lines (or characters of readable text) per chunk: a hit names a place in the log this precise. */
const CHUNK_LINES = 16;
const CHUNK_CHARS = 2000;
/** A tool call's input or result beyond this is plumbing, not words anyone searches for. */
const ITEM_CHARS = 1000;
/** How often runs ended without an index (a supervisor was down, a write was dropped) are looked for. */
const SWEEP_MS = 5 * 60_000;
/** A sweep takes at most this many runs at once; the next sweep takes more. */
const SWEEP_RUNS = 500;

const clip = (s: string, n = ITEM_CHARS) => (s.length > n ? s.slice(0, n) + '…' : s);

function itemText(it: TranscriptItem): string {
  switch (it.kind) {
    case 'init':
      return '';
    case 'tool':
      return clip(`${it.name} ${JSON.stringify(it.input)}`);
    case 'tool_result':
      return clip(it.text);
    case 'result':
      return it.text ?? '';
    default:
      return it.text;
  }
}

/**
 * What a log line says, as a reader would search it: a transcript line's words, any other
 * line as written; escape sequences removed and other controls shown (so FTS5's match
 * marks, \x01 and \x02, cannot be forged), '' for nothing to index.
 */
export function readableLine(line: string): string {
  const items = line.startsWith('{') ? parseTranscriptLine(line) : null;
  const text = items === null ? line : items.map(itemText).filter(Boolean).join('\n');
  return showControls(stripSequences(text)).replace(/\n/g, ' ').trim();
}

/** Lines (numbered from `first`) into chunks of readable, scrubbed text. */
export function chunksOf(lines: string[], first: number, scrub: Scrubber): LogChunk[] {
  const readable = scrubLines(lines, scrub);
  // A redacted multi-line block comes back as one line: numbering is then approximate, never wrong by more than its size.
  const out: LogChunk[] = [];
  let cur: string[] = [];
  let size = 0;
  let start = first;
  const close = (next: number) => {
    // Again after reading: a transcript's JSON may have held a value in an escaped form.
    if (cur.length) out.push({ line_no: start, text: scrub(cur.join('\n')) });
    cur = [];
    size = 0;
    start = next;
  };
  readable.forEach((raw, i) => {
    const text = readableLine(raw);
    if (text) {
      cur.push(text);
      size += text.length;
    }
    if (cur.length >= CHUNK_LINES || size >= CHUNK_CHARS) close(first + i + 1);
    else if (!cur.length) start = first + i + 1;
  });
  close(first + readable.length);
  return out;
}

/**
 * The scrubber of a run for the index: null when the run was given keyring items whose
 * values cannot be had now (the keyring is locked or gone), so that none is indexed raw.
 */
export function indexScrubber(db: Db, runId: string, secretsOf: (runId: string) => unknown[] | null, forRun: (runId: string) => Scrubber): Scrubber | null {
  if (getRun(db, runId)?.secret_refs && !secretsOf(runId)?.length) return null;
  return forRun(runId);
}

interface Job {
  id: string;
  agent: string;
  logPath: string;
}

export interface LogIndexerOptions {
  db: Db;
  /** The run's scrubber; null while its secrets cannot be known (the run waits for a later sweep). */
  scrub: (runId: string) => Scrubber | null;
  log: (line: string) => void;
  maxBytes?: number;
  /** The first retry of a busy write comes after about this long, doubling up to 5 s. */
  retryMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/** Indexes ended runs' logs one at a time, in the background. */
export class LogIndexer {
  private readonly queue: Job[] = [];
  private readonly queued = new Set<string>();
  /** Runs said to wait for their secrets, said once each. */
  private readonly told = new Set<string>();
  private working = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: LogIndexerOptions) {}

  /** Starts the periodic sweep, and sweeps now. */
  start(): void {
    this.sweep();
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  /** Queues a run whose end was recorded (or is about to be). */
  add(id: string, agent: string, logPath: string | null): void {
    if (this.stopped || !logPath || this.queued.has(id)) return;
    this.queued.add(id);
    this.queue.push({ id, agent, logPath });
    if (!this.working) void this.work();
  }

  /** Queues run `runId`, which has just ended. */
  ended(runId: string): void {
    try {
      const row = getRun(this.o.db, runId);
      if (row) this.add(row.id, row.agent, row.log_path);
    } catch {
      /* unreadable now: the next sweep finds it */
    }
  }

  /** Queues every ended run not indexed yet. */
  sweep(): void {
    try {
      for (const r of runsToIndex(this.o.db, SWEEP_RUNS)) this.add(r.id, r.agent, r.log_path);
    } catch (err) {
      if (!isBusy(err)) this.o.log(`log index: ${(err as Error).message}`);
    }
  }

  /** Stops after the slice in hand; a run left half done is indexed again from its start later. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.queue.length = 0;
  }

  /** True when nothing is being indexed or waits to be. */
  get idle(): boolean {
    return !this.working && !this.queue.length;
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      while (!this.stopped && this.queue.length) {
        const job = this.queue.shift()!;
        try {
          await this.index(job);
        } catch (err) {
          this.o.log(`log index: run ${job.id.slice(0, 8)} of ${job.agent}: ${(err as Error)?.stack ?? String(err)}`);
        } finally {
          this.queued.delete(job.id);
        }
      }
    } finally {
      this.working = false;
    }
  }

  /** Runs one write now, or again after a back-off while another process holds the database. */
  private async write(fn: () => void): Promise<boolean> {
    let delay = this.o.retryMs ?? 250;
    for (;;) {
      if (this.stopped) return false;
      try {
        writeTx(this.o.db, fn);
        return true;
      } catch (err) {
        if (!isBusy(err)) throw err;
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(5000, delay * 2);
    }
  }

  private async index(job: Job): Promise<void> {
    const max = this.o.maxBytes ?? INDEX_MAX_BYTES;
    const scrub = this.o.scrub(job.id);
    // Indexing what a secret's value could not be redacted from would make it findable.
    if (!scrub) {
      if (!this.told.has(job.id)) (this.told.add(job.id), this.o.log(`log index: run ${job.id.slice(0, 8)} of ${job.agent} waits: its secrets cannot be read now`));
      return;
    }
    let size = 0;
    try {
      size = (await stat(job.logPath)).size;
    } catch {
      /* no log (removed, never written): recorded as indexed with nothing in it */
    }
    const from = Math.max(0, size - max);
    let chunks = 0;
    let lines = 0;
    if (!(await this.write(() => clearRunLog(this.o.db, job.id)))) return;
    if (size) {
      const fh = await open(job.logPath, 'r');
      try {
        let pos = from;
        let carry = '';
        const utf8 = new StringDecoder('utf8');
        // Starting mid-file, the first partial line is not a line.
        let skipFirst = from > 0;
        while (pos < size && !this.stopped) {
          const buf = Buffer.alloc(Math.min(SLICE_BYTES, size - pos));
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          if (!bytesRead) break;
          pos += bytesRead;
          const text = carry + utf8.write(buf.subarray(0, bytesRead)) + (pos >= size ? utf8.end() : '');
          const parts = text.split('\n');
          carry = pos < size ? parts.pop()! : '';
          if (pos >= size && parts[parts.length - 1] === '') parts.pop();
          if (skipFirst) ((skipFirst = false), parts.shift());
          const batch = chunksOf(parts, lines + 1, scrub);
          lines += parts.length;
          if (batch.length && !(await this.write(() => void (chunks += addRunLogChunks(this.o.db, job.id, job.agent, batch))))) return;
          await yieldNow();
        }
      } finally {
        await fh.close();
      }
    }
    if (this.stopped) return;
    await this.write(() => void markRunLogIndexed(this.o.db, job.id, Date.now(), size - from, lines, chunks, from > 0));
  }
}
