import { chmodSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { Exit, UserError, exitCodeName } from '../core/errors.js';
import { translateDbError } from '../db/errors.js';
import { LINE_TOO_LARGE, LineSplitter } from './jsonlines.js';
import { linesBetween, tailRange } from './logs.js';
import { type ErrorBody, MAX_LINE_BYTES, OPS, type Request, type Response } from './protocol.js';
import { type Scrubber, scrubShapes } from '../secrets/scrub.js';
import { scrubLines } from './scrubbing.js';

export interface ControlHandlers {
  request(req: Request, conn: Socket): Promise<unknown>;
  closed(conn: Socket): void;
  log(line: string): void;
}

export interface ControlServer {
  broadcast(ev: object): void;
  send(conn: Socket, msg: object): void;
  subscribe(conn: Socket): void;
  unsubscribe(conn: Socket): void;
  close(): Promise<void>;
}

/**
 * What the supervisor holds for one connection that does not read: queued messages
 * plus what the socket has buffered. A connection over it is cut off rather than
 * allowed to grow the supervisor's memory or slow it down.
 */
const MAX_BACKLOG = 8 * 1024 * 1024;
/** Past this much unsent, a connection's further requests wait (its input is paused). */
const HIGH_WATER = 1024 * 1024;
/** Requests of one connection being worked on at once; later ones wait their turn. */
const MAX_PENDING = 8;

/**
 * A result whose `lines` are read from a log file while the connection drains, never
 * held whole: `head`, then the last `count` lines before byte offset `end` of `path`.
 * They are looked for only when the answer's turn to be written comes, so requests a
 * client never reads the answers of cost nothing.
 */
export class FileLines {
  constructor(
    readonly head: Record<string, unknown>,
    readonly path: string | null,
    readonly count: number,
    readonly end: number,
    /** What the lines pass through on their way out. */
    readonly scrub: Scrubber = scrubShapes,
  ) {}
}

/** Resolves when `conn` can take more (or is gone). */
function drained(conn: Socket): Promise<void> {
  if (conn.destroyed || conn.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      conn.off('drain', done);
      conn.off('close', done);
      resolve();
    };
    conn.on('drain', done);
    conn.on('close', done);
  });
}

/** What waits to be written to one connection, in order, behind a streamed answer. */
interface Outbox {
  queue: (string | { id: Request['id']; lines: FileLines })[];
  queuedBytes: number;
  /** Writing the queue (or a streamed answer) is under way. */
  busy: boolean;
}

function errorBody(err: unknown, log: (l: string) => void): ErrorBody {
  let e = err;
  if (!(e instanceof UserError)) {
    try {
      e = translateDbError(err);
    } catch {
      /* not a database error */
    }
  }
  if (e instanceof UserError) return { code: exitCodeName(e.code), message: e.message, ...(e.hint ? { hint: e.hint } : {}), exit: e.code };
  log(`request failed: ${(err as Error)?.stack ?? String(err)}`);
  return { code: 'failure', message: (err as Error)?.message ?? String(err), exit: Exit.FAILURE };
}

/** Writes `{"id":…,"ok":true,"result":{…head,"lines":[…]}}` a batch at a time, as the socket drains. */
async function streamLines(conn: Socket, id: Request['id'], r: FileLines): Promise<void> {
  const head = JSON.stringify({ id: id ?? null, ok: true, result: { ...r.head, lines: [] } });
  // The head ends in `[]}}`: open the array there and close it after the last batch.
  const open = head.slice(0, -3);
  if (!conn.write(open)) await drained(conn);
  let first = true;
  for (const batch of linesFromFile(r)) {
    if (conn.destroyed) return;
    const piece = scrubLines(batch, r.scrub)
      .map((l) => JSON.stringify(l))
      .join(',');
    if (!conn.write(first ? piece : ',' + piece)) await drained(conn);
    first = false;
  }
  if (!conn.destroyed) conn.write(']}}\n');
}

function linesFromFile(r: FileLines): Iterable<string[]> {
  if (!r.path || r.count <= 0 || r.end <= 0) return [];
  const { start, end } = tailRange(r.path, r.count, r.end);
  return linesBetween(r.path, start, end);
}

/**
 * Serves the control socket: one JSON request per line, one JSON response per request
 * (same `id`), and events for subscribers. Garbage gets an error answer and the
 * connection stays usable; a line over MAX_LINE_BYTES is answered `too_large` and
 * skipped without being held in memory.
 *
 * What a connection can make the supervisor hold is bounded: a large log answer is read
 * from its file as the client reads it; a client that stops reading has its further
 * requests wait, and is cut off once MAX_BACKLOG is queued for it (events included);
 * nothing more is done for a connection that has closed.
 */
export function startControlServer(path: string, h: ControlHandlers): Promise<ControlServer> {
  const subscribers = new Set<Socket>();
  const conns = new Set<Socket>();
  const outboxes = new WeakMap<Socket, Outbox>();
  const outbox = (conn: Socket): Outbox => {
    let o = outboxes.get(conn);
    if (!o) outboxes.set(conn, (o = { queue: [], queuedBytes: 0, busy: false }));
    return o;
  };
  /** Called when a connection's outbox empties: it may take requests again. */
  const idle = new WeakMap<Socket, () => void>();

  const flush = async (conn: Socket, o: Outbox) => {
    o.busy = true;
    try {
      while (o.queue.length && !conn.destroyed) {
        const item = o.queue.shift()!;
        if (typeof item === 'string') {
          o.queuedBytes -= Buffer.byteLength(item);
          if (!conn.write(item)) await drained(conn);
        } else {
          await streamLines(conn, item.id, item.lines);
        }
      }
    } catch (err) {
      h.log(`control socket: ${(err as Error).message}`);
      conn.destroy();
    } finally {
      o.busy = false;
      if (conn.destroyed) ((o.queue = []), (o.queuedBytes = 0));
      idle.get(conn)?.();
    }
  };

  const enqueue = (conn: Socket, item: Outbox['queue'][number]) => {
    if (conn.destroyed || !conn.writable) return;
    const o = outbox(conn);
    const bytes = typeof item === 'string' ? Buffer.byteLength(item) : 256;
    if (conn.writableLength + o.queuedBytes + bytes > MAX_BACKLOG) {
      conn.destroy();
      return;
    }
    if (!o.busy && !o.queue.length && typeof item === 'string' && conn.writableLength < HIGH_WATER) {
      conn.write(item);
      return;
    }
    o.queue.push(item);
    o.queuedBytes += bytes;
    if (!o.busy) void flush(conn, o);
  };
  const write = (conn: Socket, msg: object) => enqueue(conn, JSON.stringify(msg) + '\n');

  // Half-open: a client that sends its requests and closes its side (printf ... | socat)
  // still gets every answer; we end our side once nothing is pending.
  const server: Server = createServer({ allowHalfOpen: true }, (conn) => {
    conns.add(conn);
    const lines = new LineSplitter(MAX_LINE_BYTES);
    let pending = 0;
    let ended = false;
    const o = outbox(conn);
    // Requests in hand count too: each may read a log, and a burst of them must not block the supervisor.
    const congested = () => o.busy || o.queue.length > 0 || conn.writableLength > HIGH_WATER || pending >= MAX_PENDING;
    const endIfDone = () => {
      if (ended && pending === 0 && !congested() && !lines.hasLine() && !subscribers.has(conn)) conn.end();
    };
    const answer = (id: Request['id'], body: { result: unknown } | { error: ErrorBody }) => {
      if (conn.destroyed) return;
      if ('result' in body && body.result instanceof FileLines) return enqueue(conn, { id, lines: body.result });
      const line =
        JSON.stringify({ id: id ?? null, ...('error' in body ? { ok: false, error: body.error } : { ok: true, result: body.result }) } as Response) + '\n';
      if (Buffer.byteLength(line) > MAX_BACKLOG) {
        return write(conn, { id: id ?? null, ok: false, error: { code: 'too_large', message: `the answer is over ${MAX_BACKLOG} bytes`, exit: Exit.FAILURE } });
      }
      enqueue(conn, line);
    };

    const onLine = (line: string) => {
      if (line.trim() === '') return;
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch {
        answer(null, { error: { code: 'bad_request', message: 'not a JSON object: one JSON request per line', exit: Exit.USAGE } });
        return;
      }
      if (typeof req !== 'object' || req === null || Array.isArray(req)) {
        answer(null, { error: { code: 'bad_request', message: 'a request is a JSON object with an "op"', exit: Exit.USAGE } });
        return;
      }
      if (typeof req.op !== 'string' || !(OPS as readonly string[]).includes(req.op)) {
        answer(req.id, { error: { code: 'bad_request', message: `unknown op ${JSON.stringify(req.op)}`, hint: `ops: ${OPS.join(', ')}`, exit: Exit.USAGE } });
        return;
      }
      pending++;
      h.request(req, conn)
        .then(
          (result) => answer(req.id, { result }),
          (err) => answer(req.id, { error: errorBody(err, h.log) }),
        )
        .finally(() => {
          pending--;
          resume();
          endIfDone();
        });
    };

    /** Takes the requests buffered so far, while the connection reads what it is sent. */
    const pump = () => {
      while (!conn.destroyed) {
        if (congested()) {
          conn.pause();
          return;
        }
        const line = lines.next();
        if (line === null) break;
        if (line === LINE_TOO_LARGE) answer(null, { error: { code: 'too_large', message: `request line over ${MAX_LINE_BYTES} bytes`, exit: Exit.USAGE } });
        else onLine(line);
      }
      if (!conn.destroyed && conn.isPaused() && !congested()) conn.resume();
      endIfDone();
    };
    const resume = () => {
      if (!congested()) pump();
    };
    idle.set(conn, resume);
    conn.on('drain', resume);

    conn.on('data', (chunk: Buffer) => {
      lines.push(chunk);
      pump();
    });
    conn.on('end', () => {
      ended = true;
      // A follower or subscriber that closed its side wants no more.
      subscribers.delete(conn);
      endIfDone();
    });
    conn.on('error', () => undefined);
    conn.on('close', () => {
      conns.delete(conn);
      subscribers.delete(conn);
      // Nothing queued for it is sent now, and nothing it asked for is still to do.
      o.queue = [];
      o.queuedBytes = 0;
      lines.clear();
      h.closed(conn);
    });
  });

  const refuse = (err: unknown) =>
    new UserError(`cannot serve the control socket at ${path}: ${(err as Error).message}`, 'see who made that file (ls -l), remove it, and run agor up again');
  return new Promise((resolve, reject) => {
    // We hold the database's supervisor lock, so a socket file left here is stale.
    try {
      rmSync(path, { force: true });
    } catch (err) {
      reject(refuse(err));
      return;
    }
    const old = process.umask(0o177);
    server.once('error', (err) => {
      process.umask(old);
      reject(refuse(err));
    });
    server.listen(path, () => {
      process.umask(old);
      chmodSync(path, 0o600);
      server.on('error', (err) => h.log(`control socket: ${err.message}`));
      resolve({
        broadcast: (ev) => {
          for (const c of subscribers) write(c, ev);
        },
        send: write,
        subscribe: (c) => void subscribers.add(c),
        unsubscribe: (c) => void subscribers.delete(c),
        close: () =>
          new Promise<void>((r) => {
            for (const c of conns) c.end();
            server.close(() => r());
            setTimeout(() => {
              for (const c of conns) c.destroy();
            }, 200).unref();
            rmSync(path, { force: true });
          }),
      });
    });
  });
}
