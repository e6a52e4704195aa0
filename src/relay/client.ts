import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { Exit, type ExitCode, UserError } from '../core/errors.js';
import { pinOf } from './pin.js';
import { DEFAULT_PORT, MAX_PAYLOAD, PING_MS, RELAY_PROTOCOL, type RelayHello, type RelayOp } from './protocol.js';

/** Where a relay is and how to prove who we are: its URL, the SPKI pin we trust, our token. */
export interface RelayTarget {
  url: string;
  /** sha256/… of the relay's public key; null only for ws:// with `insecure`. */
  pin: string | null;
  token: string;
  /** The host's name in hosts.yaml, for hints (`agor hosts rm NAME`). */
  name?: string;
}

export interface ConnectOptions {
  /** The whole connect: TCP, TLS, the upgrade and `hello` (default 10 s). */
  timeoutMs?: number;
  /** Allows a ws:// URL (no TLS, so no pin): for a relay on loopback run with --insecure. */
  insecure?: boolean;
  /** With nothing from the relay (message or ping) for this long, the link counts as dead (default 40 s). */
  idleMs?: number;
}

/** Why a connection failed, for the reconnecting client: a refusal is not retried quickly. */
export type RelayFailure = 'pin' | 'token' | 'forbidden' | 'busy' | 'network' | 'protocol' | 'closed';

/** A relay connection's error: a UserError (message, hint, exit code) with what kind of failure it was. */
export class RelayError extends UserError {
  constructor(
    message: string,
    hint: string | undefined,
    code: ExitCode,
    readonly kind: RelayFailure,
    /** For `busy`: seconds the relay asked us to wait (Retry-After). */
    readonly retryAfterS: number | null = null,
  ) {
    super(message, hint, code);
  }
}

/** An event from the relay: the supervisor's (docs/protocol.md) and the relay's own (`changed`, `upstream`). */
export type RelayEventMessage = Record<string, unknown> & { event: string };

interface Endpoint {
  url: URL;
  secure: boolean;
  host: string;
  port: number;
}

/** Parses and checks a relay URL: wss://HOST[:PORT]/ (port 7650 when absent). */
export function parseRelayUrl(raw: string): Endpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`'${raw}' is not a relay URL`, `give wss://HOST:${DEFAULT_PORT}`, Exit.USAGE);
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new UserError(`'${raw}' is not a relay URL`, `give wss://HOST:${DEFAULT_PORT}`, Exit.USAGE);
  if (url.username || url.password) throw new UserError(`a relay URL carries no credentials: ${url.host}`, 'the token is asked for separately', Exit.USAGE);
  if (url.hash) throw new UserError(`a relay URL has no #fragment: '${raw}'`, undefined, Exit.USAGE);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!url.port) url.port = String(DEFAULT_PORT);
  return { url, secure: url.protocol === 'wss:', host, port: Number(url.port) };
}

const unreachable = (url: string, why: string) =>
  new RelayError(`cannot reach the relay at ${url}: ${why}`, 'is agor-relay running there, and is the address right?', Exit.FAILURE, 'network');

/** Opens the TCP (and TLS) connection alone: nothing is sent but the TLS handshake. */
function openSocket(ep: Endpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const where = ep.url.origin;
    // A name goes in SNI; an address may not (RFC 6066) and Node warns when it is given.
    const sock: Socket = ep.secure
      ? tlsConnect({ host: ep.host, port: ep.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(isIP(ep.host) ? {} : { servername: ep.host }) })
      : netConnect({ host: ep.host, port: ep.port });
    const timer = setTimeout(() => fail(unreachable(where, `no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    };
    sock.once('error', (e: NodeJS.ErrnoException) => fail(unreachable(where, e.code === 'ECONNREFUSED' ? 'connection refused' : e.message)));
    sock.once(ep.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
  });
}

/** The relay's certificate as the TLS handshake offered it. */
function peerCertificate(sock: TLSSocket): X509Certificate {
  const raw = sock.getPeerCertificate(true)?.raw;
  if (!raw) throw new RelayError('the relay offered no certificate', undefined, Exit.NOT_PERMITTED, 'pin');
  return new X509Certificate(raw);
}

/**
 * The pin, subject and expiry of a relay's certificate, read from the TLS handshake; sends
 * nothing else. What `agor hosts add` shows before the user trusts a host.
 */
export async function fetchPin(url: string, timeoutMs = 10_000): Promise<{ pin: string; subject: string; validTo: string; names: string | null }> {
  const ep = parseRelayUrl(url);
  if (!ep.secure) throw new UserError(`${url} is not a TLS URL: there is no certificate to pin`, `give wss://${ep.url.host}`, Exit.USAGE);
  const sock = (await openSocket(ep, timeoutMs)) as TLSSocket;
  try {
    const cert = peerCertificate(sock);
    return { pin: pinOf(cert), subject: cert.subject.replace(/\n/g, ', '), validTo: new Date(cert.validTo).toISOString(), names: cert.subjectAltName ?? null };
  } finally {
    sock.destroy();
  }
}

/** The error of a refused upgrade, from its HTTP status. */
function refusal(url: string, name: string | undefined, status: number, retryAfter: string | undefined): RelayError {
  if (status === 401)
    return new RelayError(
      `the relay at ${url} refused the token`,
      `the token may be wrong or revoked: ask the relay's operator for one (agor-relay token add), then ${name ? `agor hosts rm ${name} and ` : ''}agor hosts add again`,
      Exit.NOT_PERMITTED,
      'token',
    );
  if (status === 429) {
    const s = Number(retryAfter);
    const wait = Number.isFinite(s) && s >= 0 ? Math.ceil(s) : null;
    return new RelayError(
      `the relay at ${url} refuses this address for now after failed tokens${wait !== null ? ` (retry after ${wait} s)` : ''}`,
      'check the token; each further failure doubles the wait',
      Exit.BUSY,
      'busy',
      wait,
    );
  }
  if (status === 403)
    return new RelayError(
      `the relay at ${url} refused the connection (403 Forbidden)`,
      'the relay refuses requests with an Origin it does not allow',
      Exit.NOT_PERMITTED,
      'forbidden',
    );
  return new RelayError(`the relay at ${url} answered HTTP ${status} instead of a WebSocket upgrade`, 'is this an agor-relay?', Exit.FAILURE, 'protocol');
}

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * One connection to a relay. Makes the TLS connection itself and checks the certificate's
 * key against the pin before a single byte of HTTP goes out, so the token is never sent
 * to a server we do not trust; only then hands the socket to ws for the upgrade.
 */
export class RelayClient {
  private next = 1;
  private readonly waiting = new Map<number, Waiting>();
  private lastHeard = Date.now();
  private watchdog: NodeJS.Timeout | null = null;
  /** Why the connection ended, once it has (for messages and the reconnecting state). */
  closeReason: string | null = null;
  onEvent: (ev: RelayEventMessage) => void = () => undefined;
  readonly closed: Promise<void>;
  hello!: RelayHello;

  private constructor(
    private readonly ws: WebSocket,
    readonly url: string,
    idleMs: number,
  ) {
    this.closed = new Promise((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => {
        if (this.watchdog) clearInterval(this.watchdog);
        this.closeReason ??= `the relay closed the connection (${code}${reason.length ? ` ${reason.toString('utf8').slice(0, 120)}` : ''})`;
        const err = new RelayError(`the connection to ${url} was lost: ${this.closeReason}`, 'try again; agor hosts list shows the hosts', Exit.FAILURE, 'closed');
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
        resolve();
      }),
    );
    ws.on('error', (e) => (this.closeReason ??= e.message));
    ws.on('message', (data, isBinary) => {
      this.lastHeard = Date.now();
      if (!isBinary) this.dispatch(data.toString());
    });
    ws.on('ping', () => (this.lastHeard = Date.now()));
    ws.on('pong', () => (this.lastHeard = Date.now()));
    // The relay pings every 15 s: silence for longer than two of those means the link is dead.
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastHeard < idleMs) return;
        this.closeReason = `nothing heard from the relay for ${Math.round(idleMs / 1000)} s`;
        ws.terminate();
      },
      Math.min(1000, idleMs / 4),
    );
    this.watchdog.unref();
  }

  /** Connects, checks the pin, upgrades with the token and asks `hello`; resolves once it is answered. */
  static async connect(t: RelayTarget & ConnectOptions): Promise<RelayClient> {
    const ep = parseRelayUrl(t.url);
    const where = ep.url.origin;
    const timeoutMs = t.timeoutMs ?? 10_000;
    if (!ep.secure && !(t.insecure && t.pin === null))
      throw new RelayError(`${t.url} is plain ws:// (no TLS): refused`, `give the relay's wss:// URL and its pin`, Exit.NOT_PERMITTED, 'protocol');
    if (ep.secure && !t.pin)
      throw new RelayError(`no pin for ${where}: the token is sent only to a pinned relay`, 'agor hosts add NAME URL --pin PIN', Exit.NOT_PERMITTED, 'pin');
    const deadline = Date.now() + timeoutMs;
    const sock = await openSocket(ep, timeoutMs);
    if (ep.secure) {
      let offered: string;
      try {
        offered = pinOf(peerCertificate(sock as TLSSocket));
      } catch (e) {
        sock.destroy();
        throw e;
      }
      if (offered !== t.pin) {
        sock.destroy();
        throw new RelayError(
          `the certificate of ${where} changed: pinned ${t.pin}, offered ${offered}`,
          `nothing was sent. If this is expected (the relay ran agor-relay init --force), agor hosts rm ${t.name ?? 'NAME'} and add it again with the new pin; else someone may be in the middle`,
          Exit.NOT_PERMITTED,
          'pin',
        );
      }
    }
    const ws = new WebSocket(ep.url, {
      createConnection: () => sock,
      headers: { Authorization: `Bearer ${t.token}` },
      maxPayload: MAX_PAYLOAD,
      perMessageDeflate: false,
      followRedirects: false,
    });
    // Every failure is handled through `fail` below; this keeps a late one from being thrown.
    ws.on('error', () => undefined);
    const client = await new Promise<RelayClient>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        sock.destroy();
        reject(e);
      };
      const timer = setTimeout(() => fail(unreachable(where, `no answer within ${Math.round(timeoutMs / 1000)} s`)), Math.max(1, deadline - Date.now()));
      ws.once('unexpected-response', (_req, res) => fail(refusal(where, t.name, res.statusCode ?? 0, res.headers['retry-after'] as string | undefined)));
      ws.once('error', (e) => fail(new RelayError(`the upgrade at ${where} failed: ${e.message}`, 'is this an agor-relay?', Exit.FAILURE, 'protocol')));
      ws.once('close', () => fail(new RelayError(`the relay at ${where} closed the connection during the upgrade`, undefined, Exit.FAILURE, 'closed')));
      ws.once('open', () => {
        const c = new RelayClient(ws, where, t.idleMs ?? PING_MS * 2 + 10_000);
        c.request<RelayHello>('hello').then(
          (hello) => {
            if (settled) return;
            if (hello?.relay !== RELAY_PROTOCOL)
              return fail(
                new RelayError(
                  `${where} speaks relay protocol ${String(hello?.relay)}; this agor speaks ${RELAY_PROTOCOL}`,
                  'use the same agor version on both machines',
                  Exit.FAILURE,
                  'protocol',
                ),
              );
            settled = true;
            clearTimeout(timer);
            ws.removeAllListeners('unexpected-response');
            c.hello = hello;
            resolve(c);
          },
          (e: Error) => fail(e),
        );
      });
    });
    return client;
  }

  private dispatch(text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return; // not ours to guess at; the relay only sends JSON objects
    }
    if (!msg || typeof msg !== 'object') return;
    if (typeof msg.event === 'string' && !('ok' in msg)) return this.onEvent(msg as RelayEventMessage);
    const w = typeof msg.id === 'number' ? this.waiting.get(msg.id) : undefined;
    if (!w) return;
    this.waiting.delete(msg.id as number);
    if (msg.ok === true) return w.resolve(msg.result);
    const e = (msg.error ?? {}) as { message?: unknown; hint?: unknown; exit?: unknown };
    const exit = typeof e.exit === 'number' && e.exit >= 1 && e.exit <= 8 ? (e.exit as ExitCode) : Exit.FAILURE;
    w.reject(new UserError(String(e.message ?? 'the relay refused the request'), typeof e.hint === 'string' ? e.hint : undefined, exit));
  }

  /** Sends one request; resolves with its result, rejects with a UserError from the relay's error body. */
  request<T = unknown>(op: RelayOp, args: Record<string, unknown> = {}): Promise<T> {
    if (this.ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new RelayError(`the connection to ${this.url} is closed`, this.closeReason ?? undefined, Exit.FAILURE, 'closed'));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ ...args, id, op }), (err) => {
        if (!err) return;
        this.waiting.delete(id);
        reject(new RelayError(`cannot send to ${this.url}: ${err.message}`, undefined, Exit.FAILURE, 'closed'));
      });
    });
  }

  close(): void {
    this.closeReason ??= 'closed by this side';
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else this.ws.terminate();
    // A peer that does not answer the close frame must not keep us waiting.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }
}

/** A connection's state as a dashboard shows it. */
export type ConnState =
  | { state: 'connecting' }
  | { state: 'connected'; since: number }
  | { state: 'reconnecting'; next: number; lostSince: number; error: string }
  | { state: 'refused'; error: string; lostSince: number };

export interface ReconnectingOptions {
  onState(s: ConnState): void;
  /** After every (re)connect: subscribe and read a snapshot. A throw counts as a lost connection. */
  onConnect(c: RelayClient): Promise<void>;
  onEvent(ev: RelayEventMessage): void;
  /** See ConnectOptions. */
  idleMs?: number;
  timeoutMs?: number;
}

/** Backoff of reconnects: 1 s doubling to 30 s. */
export const BACKOFF_MIN_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;
/** A refused pin or token is tried again only this often. */
export const REFUSED_RETRY_MS = 30_000;
/** onConnect (subscribe and snapshot) gets this long before the connection counts as lost. */
const ONCONNECT_MS = 30_000;
/** Connected this long, the backoff starts from 1 s again. */
export const BACKOFF_RESET_MS = 60_000;

/** The delay before reconnect attempt `n` (0 first): 1 s doubling to 30 s, ±20 % so many clients do not come back at once. */
export const backoffDelay = (n: number, random: () => number = Math.random): number =>
  Math.round(Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(n, 16)) * (0.8 + 0.4 * random()));

/**
 * A relay connection that comes back by itself: jittered exponential backoff after a
 * loss, a fresh subscribe and snapshot (onConnect) after each reconnect, and a slow
 * retry only when the relay refused us (changed pin, refused token).
 */
export class ReconnectingRelay {
  private current: ConnState = { state: 'connecting' };
  private conn: RelayClient | null = null;
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lostSince: number | null = null;

  constructor(
    private readonly t: RelayTarget,
    private readonly o: ReconnectingOptions,
  ) {
    void this.attempt();
  }

  state(): ConnState {
    return this.current;
  }

  client(): RelayClient | null {
    return this.conn;
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.conn?.close();
    this.conn = null;
  }

  private set(s: ConnState): void {
    this.current = s;
    if (!this.stopped) this.o.onState(s);
  }

  private async attempt(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    let c: RelayClient;
    try {
      c = await RelayClient.connect({ ...this.t, timeoutMs: this.o.timeoutMs, idleMs: this.o.idleMs });
    } catch (e) {
      return this.lost(e as Error);
    }
    if (this.stopped) return c.close();
    c.onEvent = (ev) => this.o.onEvent(ev);
    try {
      // A snapshot that never comes must not leave the state at connecting for good.
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no snapshot within ${ONCONNECT_MS / 1000} s`)), ONCONNECT_MS);
      });
      await Promise.race([this.o.onConnect(c), limit]).finally(() => clearTimeout(timer));
    } catch (e) {
      c.close();
      return this.lost(e as Error);
    }
    if (this.stopped) return c.close();
    const since = Date.now();
    this.conn = c;
    this.lostSince = null;
    this.set({ state: 'connected', since });
    await c.closed;
    this.conn = null;
    if (this.stopped) return;
    if (Date.now() - since >= BACKOFF_RESET_MS) this.attempts = 0;
    this.lost(new Error(c.closeReason ?? 'the connection was lost'));
  }

  private lost(e: Error): void {
    if (this.stopped) return;
    const now = Date.now();
    this.lostSince ??= now;
    const error = e.message;
    const kind = e instanceof RelayError ? e.kind : 'network';
    let delay: number;
    if (kind === 'pin' || kind === 'token' || kind === 'forbidden') {
      delay = REFUSED_RETRY_MS;
      this.set({ state: 'refused', error, lostSince: this.lostSince });
    } else {
      delay = backoffDelay(this.attempts++);
      // A locked-out address waits at least as long as the relay asked.
      if (e instanceof RelayError && e.retryAfterS !== null) delay = Math.max(delay, e.retryAfterS * 1000);
      this.set({ state: 'reconnecting', next: now + delay, lostSince: this.lostSince, error });
    }
    this.timer = setTimeout(() => void this.attempt(), delay);
  }
}
