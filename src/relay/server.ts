import { STATUS_CODES, type IncomingMessage, type Server, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type Db, envBusyTimeout, openDb, openReadOnly } from '../db/open.js';
import { UserError } from '../core/errors.js';
import { OpError, type RelayContext, type Session, badRequest, dispatch, errorBody } from './dispatch.js';
import { Counter, DEFAULT_LIMITS, FailureGuard, type RelayLimits, peerAddress, sourceOf } from './guard.js';
import { Scrubbers } from './logs.js';
import { type Role, isRelayOp, READ_OPS, ADMIN_OPS } from './protocol.js';
import { Upstream } from './upstream.js';

export { DEFAULT_LIMITS, type RelayLimits };

/** Checks a presented token: its name and role, or null. Synchronous; compares in constant time. */
export interface TokenCheck {
  verify(presented: string): { name: string; role: Role } | null;
}

export interface RelayLogEntry {
  at: string;
  level: 'info' | 'warn';
  /** listening, connect, disconnect, auth_failed, locked_out, refused, action, upstream; error for a bug (with its stack) */
  event: string;
  addr?: string;
  token?: string;
  detail?: string;
}

export interface RelayOptions {
  /** The database served (absolute path). */
  dbPath: string;
  host: string;
  /** 0: any free port (read it back from the server). */
  port: number;
  /** PEM certificate and key; null serves plain ws (the command line decides when that is allowed). */
  tls: { cert: string; key: string } | null;
  tokens: TokenCheck;
  /** Origins (scheme://host[:port]) a browser may connect from; requests without Origin always pass. */
  allowOrigins?: string[];
  limits?: Partial<RelayLimits>;
  onLog?: (e: RelayLogEntry) => void;
}

export interface RelayServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** How long a reader waits for the file (a reader of a WAL file waits only on recovery): a relay must keep answering. */
const READ_WAIT_MS = 5000;
/** Requests of one connection worked on at once; beyond, the relay stops reading that connection. */
const IN_FLIGHT = 8;
/** The period over which a repeated refusal is logged once. */
const QUIET_MS = 10_000;

const ORIGIN = (o: string): string => o.trim().toLowerCase().replace(/\/+$/, '');

/** One upgraded client. */
class Conn implements Session {
  subscribed = false;
  readonly follows = new Set<() => void>();
  missed = 0;
  inFlight = 0;

  constructor(
    readonly ws: WebSocket,
    readonly addr: string,
    readonly token: string,
    readonly role: Role,
    private readonly sendText: (c: Conn, text: string) => void,
  ) {}

  emit(ev: object): void {
    this.sendText(this, JSON.stringify(ev));
  }

  endFollows(): void {
    for (const stop of [...this.follows]) stop();
  }
}

/**
 * Serves the relay protocol (docs/relay.md) for one database: TLS WebSocket (or plain, when
 * `tls` is null), Bearer tokens checked on the HTTP upgrade with per-address lockouts, caps
 * on handshakes and connections, and every op dispatched against the database and its
 * supervisor. Resolves once listening.
 */
export async function startRelay(o: RelayOptions): Promise<RelayServer> {
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...o.limits };
  const log = (e: Omit<RelayLogEntry, 'at'>) => o.onLog?.({ at: new Date().toISOString(), ...e });
  const origins = new Set((o.allowOrigins ?? []).map(ORIGIN));
  /**
   * Refusals a peer can repeat at will (a flood of connections, a locked-out client that
   * keeps trying) are logged once per QUIET_MS and kind and source, with how many more came.
   */
  const quiet = new Map<string, { until: number; more: number }>();
  const quietLog = (key: string, e: Omit<RelayLogEntry, 'at'>) => {
    const now = Date.now();
    const q = quiet.get(key);
    if (q && now < q.until) return void q.more++;
    quiet.set(key, { until: now + QUIET_MS, more: 0 });
    log(q?.more ? { ...e, detail: `${e.detail} (and ${q.more} more like it before)` } : e);
  };

  // Create or migrate the file once, then read through a connection that cannot write.
  openDb({ path: o.dbPath }).close();
  const ro = openReadOnly({ path: o.dbPath, busyTimeoutMs: envBusyTimeout() ?? READ_WAIT_MS });
  let rw: Db | null = null;
  const upstream = new Upstream(ro);
  const ctx: RelayContext = {
    dbPath: o.dbPath,
    ro,
    writable: () => (rw ??= openDb({ path: o.dbPath })),
    upstream,
    scrubbers: new Scrubbers(),
  };

  const failures = new FailureGuard(limits);
  const pending = new Counter(limits.maxPending, limits.maxPendingPerAddress);
  const connected = new Counter(limits.maxConnections, limits.maxConnectionsPerAddress);
  /** Sockets not yet upgraded, by address:port (the TLS socket of an upgrade has its raw socket's). */
  const waiting = new Map<string, { src: string; timer: NodeJS.Timeout }>();
  const sockets = new Set<Socket>();
  const conns = new Set<Conn>();

  const release = (key: string) => {
    const w = waiting.get(key);
    if (!w) return;
    waiting.delete(key);
    clearTimeout(w.timer);
    pending.give(w.src);
  };

  /** The one way out to a client: one past maxBuffered of unsent data is cut off instead. */
  const sendText = (c: Conn, text: string) => {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount + Buffer.byteLength(text) > limits.maxBuffered) {
      log({ level: 'warn', event: 'disconnect', addr: c.addr, token: c.token, detail: `over ${limits.maxBuffered} bytes unsent: cut off` });
      c.ws.terminate();
      return;
    }
    c.ws.send(text);
  };

  const respond = (c: Conn, id: unknown, body: { ok: true; result: unknown } | { ok: false; error: ReturnType<typeof errorBody> }) => {
    let text = JSON.stringify({ id, ...body });
    if (Buffer.byteLength(text) > limits.maxPayload) {
      const error = { code: 'too_large', message: `the answer is over ${limits.maxPayload} bytes`, hint: 'ask for less (fewer lines, a lower limit)', exit: 1 };
      text = JSON.stringify({ id, ok: false, error });
    }
    sendText(c, text);
  };

  upstream.onEvent = (ev) => {
    const text = JSON.stringify(ev);
    for (const c of conns) if (c.subscribed) sendText(c, text);
  };
  upstream.onChange = (s) =>
    log({ level: s.state === 'lost' ? 'warn' : 'info', event: 'upstream', detail: `supervisor ${s.state}${s.pid ? ` (pid ${s.pid})` : ''}` });

  async function onMessage(c: Conn, data: Buffer, isBinary: boolean): Promise<void> {
    let req: unknown;
    try {
      if (isBinary) throw badRequest('send requests as text messages');
      try {
        req = JSON.parse(data.toString('utf8'));
      } catch {
        throw badRequest('not JSON: one JSON request per message');
      }
      if (typeof req !== 'object' || req === null || Array.isArray(req)) throw badRequest('a request is a JSON object with an "op"');
    } catch (err) {
      return respond(c, null, { ok: false, error: errorBody(err) });
    }
    const r = req as Record<string, unknown>;
    const id = typeof r.id === 'number' || typeof r.id === 'string' ? r.id : null;
    if (!isRelayOp(r.op)) {
      const error = errorBody(badRequest(`unknown op ${JSON.stringify(r.op ?? null)}`, `ops: ${[...READ_OPS, ...ADMIN_OPS].join(', ')}`));
      return respond(c, id, { ok: false, error });
    }
    const op = r.op;
    // Back-pressure on requests: a client with IN_FLIGHT unanswered is not read until one is answered.
    if (++c.inFlight >= IN_FLIGHT) c.ws.pause();
    const who = { addr: c.addr, token: c.token };
    const acting = (ADMIN_OPS as readonly string[]).includes(op);
    try {
      const result = await dispatch(ctx, c, op, r);
      if (acting) log({ level: 'info', event: 'action', ...who, detail: op });
      respond(c, id, { ok: true, result: result ?? null });
    } catch (err) {
      const error = errorBody(err);
      if (error.code === 'not_permitted') log({ level: 'warn', event: 'refused', ...who, detail: `${op}: read token` });
      else if (!(err instanceof UserError) && !(err instanceof OpError))
        log({ level: 'warn', event: 'error', ...who, detail: `${op}: ${(err as Error)?.stack ?? String(err)}` });
      else if (acting) log({ level: 'warn', event: 'action', ...who, detail: `${op} failed: ${error.code}: ${error.message}` });
      respond(c, id, { ok: false, error });
    } finally {
      if (c.inFlight-- >= IN_FLIGHT) c.ws.resume();
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload, clientTracking: false, perMessageDeflate: false });

  function onUpgraded(ws: WebSocket, addr: string, src: string, who: { name: string; role: Role }): void {
    const c = new Conn(ws, addr, who.name, who.role, sendText);
    conns.add(c);
    log({ level: 'info', event: 'connect', addr, token: who.name, detail: who.role });
    ws.on('message', (data, isBinary) => void onMessage(c, data as Buffer, isBinary));
    ws.on('pong', () => (c.missed = 0));
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      conns.delete(c);
      connected.give(src);
      c.endFollows();
      log({ level: 'info', event: 'disconnect', addr, token: who.name, detail: `code ${code}` });
    });
  }

  /** Refuses an upgrade with a plain HTTP answer, then closes. */
  function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
    const body = `${message}\n`;
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'Connection: close',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    socket.once('finish', () => socket.destroy());
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const addr = peerAddress(req.socket.remoteAddress);
    const src = sourceOf(addr);
    const locked = failures.lockedFor(src);
    if (locked > 0) {
      quietLog(`locked:${src}`, { level: 'warn', event: 'locked_out', addr, detail: `refused: ${Math.ceil(locked / 1000)} s left` });
      return refuse(socket, 429, 'too many failed tokens from this address', { 'Retry-After': String(Math.ceil(locked / 1000)) });
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(ORIGIN(origin))) {
      quietLog(`origin:${src}`, { level: 'warn', event: 'refused', addr, detail: `origin ${JSON.stringify(origin).slice(0, 200)}` });
      return refuse(socket, 403, 'this origin may not connect (agor-relay --allow-origin adds one)');
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    let who: { name: string; role: Role } | null;
    try {
      who = m ? o.tokens.verify(m[1]!) : null;
    } catch {
      // A check that throws is a failed check, never a way in.
      who = null;
    }
    if (!who) {
      const ms = failures.fail(src);
      log({
        level: 'warn',
        event: ms ? 'locked_out' : 'auth_failed',
        addr,
        detail: `${m ? 'wrong token' : 'no token'}${ms ? `; locked out for ${ms / 1000} s` : ''}`,
      });
      return refuse(socket, 401, m ? 'wrong token' : 'no token: send Authorization: Bearer TOKEN', { 'WWW-Authenticate': 'Bearer realm="agor-relay"' });
    }
    failures.succeed(src);
    if (!connected.take(src)) {
      quietLog(`connections:${src}`, { level: 'warn', event: 'refused', addr, token: who.name, detail: 'too many connections' });
      return refuse(socket, 503, 'too many connections', { 'Retry-After': '5' });
    }
    const key = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const granted = who;
    let upgraded = false;
    socket.once('close', () => {
      if (!upgraded) connected.give(src);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      release(key);
      onUpgraded(ws, addr, src, granted);
    });
  }

  const server: Server = o.tls
    ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key, handshakeTimeout: limits.handshakeMs, minVersion: 'TLSv1.2' })
    : createHttpServer();
  server.headersTimeout = limits.handshakeMs;
  server.requestTimeout = limits.handshakeMs;

  server.on('connection', (sock: Socket) => {
    const addr = peerAddress(sock.remoteAddress);
    const src = sourceOf(addr);
    sock.on('error', () => undefined);
    if (!pending.take(src)) {
      quietLog(`pending:${src}`, { level: 'warn', event: 'refused', addr, detail: 'too many handshakes under way' });
      sock.destroy();
      return;
    }
    sockets.add(sock);
    const key = `${sock.remoteAddress}:${sock.remotePort}`;
    // TLS handshake and HTTP upgrade together must be over in handshakeMs.
    waiting.set(key, { src, timer: setTimeout(() => sock.destroy(), limits.handshakeMs) });
    sock.once('close', () => {
      sockets.delete(sock);
      release(key);
    });
  });
  server.on('request', (_req, res) => {
    res.writeHead(426, { Connection: 'close', 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
    res.end('agor-relay speaks WebSocket only\n');
  });
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => socket.destroy());
  // A plain-text client (ws://, http://) on the TLS port ends here, before any HTTP is read.
  server.on('tlsClientError', (err: Error & { code?: string }, tlsSocket: Socket) => {
    const addr = peerAddress(tlsSocket.remoteAddress);
    quietLog(`tls:${sourceOf(addr)}`, { level: 'warn', event: 'refused', addr, detail: `TLS handshake failed (${err.code ?? err.message})` });
    tlsSocket.destroy();
  });

  const ping = setInterval(() => {
    for (const c of conns) {
      if (c.missed >= 2) {
        log({ level: 'warn', event: 'disconnect', addr: c.addr, token: c.token, detail: 'no pong: terminated' });
        c.ws.terminate();
        continue;
      }
      c.missed++;
      c.ws.ping();
    }
  }, limits.pingMs);
  const sweep = setInterval(() => {
    failures.sweep();
    const now = Date.now();
    for (const [k, q] of quiet) if (q.until < now - QUIET_MS) quiet.delete(k);
  }, 60_000);
  sweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    // A relay that cannot listen leaves nothing open behind it (the caller reports why).
    clearInterval(ping);
    clearInterval(sweep);
    upstream.close();
    ro.close();
    throw e;
  }
  await upstream.attach();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  log({ level: 'info', event: 'listening', detail: `${o.tls ? 'wss' : 'ws'}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/ serving ${o.dbPath}` });

  let closing: Promise<void> | null = null;
  return {
    host: o.host,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(ping);
        clearInterval(sweep);
        upstream.close();
        const stopped = new Promise<void>((r) => server.close(() => r()));
        for (const c of conns) (c.endFollows(), c.ws.terminate());
        for (const s of sockets) s.destroy();
        for (const w of waiting.values()) clearTimeout(w.timer);
        await stopped;
        ro.close();
        rw?.close();
      })();
      return closing;
    },
  };
}
