import { chmodSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { UserError, exitCodeName } from '../cli/errors.js';
import { translateDbError } from '../db/errors.js';
import { type ErrorBody, MAX_LINE_BYTES, OPS, type Request, type Response } from './protocol.js';

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

/** A subscriber that lets this much pile up unread is cut off rather than slow us down. */
const MAX_BACKLOG = 8 * 1024 * 1024;

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
  return { code: 'failure', message: (err as Error)?.message ?? String(err), exit: 1 };
}

/**
 * Serves the control socket: one JSON request per line, one JSON response per request
 * (same `id`), and events for subscribers. Garbage gets an error answer and the
 * connection stays usable; a line over MAX_LINE_BYTES is answered `too_large` and
 * skipped without being held in memory.
 */
export function startControlServer(path: string, h: ControlHandlers): Promise<ControlServer> {
  const subscribers = new Set<Socket>();
  const conns = new Set<Socket>();
  const write = (conn: Socket, msg: object) => {
    if (conn.destroyed || !conn.writable) return;
    if (conn.writableLength > MAX_BACKLOG) {
      conn.destroy();
      return;
    }
    conn.write(JSON.stringify(msg) + '\n');
  };

  // Half-open: a client that sends its requests and closes its side (printf ... | socat)
  // still gets every answer; we end our side once nothing is pending.
  const server: Server = createServer({ allowHalfOpen: true }, (conn) => {
    conns.add(conn);
    let buf: Buffer = Buffer.alloc(0);
    let skipping = false;
    let pending = 0;
    let ended = false;
    const endIfDone = () => {
      if (ended && pending === 0 && !subscribers.has(conn)) conn.end();
    };
    const answer = (id: Request['id'], body: { result: unknown } | { error: ErrorBody }) =>
      write(conn, { id: id ?? null, ...('error' in body ? { ok: false, error: body.error } : { ok: true, result: body.result }) } as Response);

    const onLine = (line: string) => {
      if (line.trim() === '') return;
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch {
        answer(null, { error: { code: 'bad_request', message: 'not a JSON object: one JSON request per line', exit: 2 } });
        return;
      }
      if (typeof req !== 'object' || req === null || Array.isArray(req)) {
        answer(null, { error: { code: 'bad_request', message: 'a request is a JSON object with an "op"', exit: 2 } });
        return;
      }
      if (typeof req.op !== 'string' || !(OPS as readonly string[]).includes(req.op)) {
        answer(req.id, { error: { code: 'bad_request', message: `unknown op ${JSON.stringify(req.op)}`, hint: `ops: ${OPS.join(', ')}`, exit: 2 } });
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
          endIfDone();
        });
    };

    conn.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const nl = buf.indexOf(10);
        if (nl === -1) {
          if (buf.length > MAX_LINE_BYTES) {
            if (!skipping) answer(null, { error: { code: 'too_large', message: `request line over ${MAX_LINE_BYTES} bytes`, exit: 2 } });
            skipping = true;
            buf = Buffer.alloc(0);
          }
          return;
        }
        const line = buf.subarray(0, nl);
        buf = buf.subarray(nl + 1);
        if (skipping) {
          skipping = false;
          continue;
        }
        if (line.length > MAX_LINE_BYTES) {
          answer(null, { error: { code: 'too_large', message: `request line over ${MAX_LINE_BYTES} bytes`, exit: 2 } });
          continue;
        }
        onLine(line.toString('utf8'));
      }
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
