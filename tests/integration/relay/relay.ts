import { createHash, timingSafeEqual } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { waitFor } from '../../helpers/wait.js';
import { makeCertificate, type Certificate } from '../../../src/relay/tls.js';
import { type RelayLogEntry, type RelayOptions, type RelayServer, type TokenCheck, startRelay } from '../../../src/relay/server.js';
import type { Role } from '../../../src/relay/protocol.js';

export type { RelayLogEntry, RelayServer };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

export const ADMIN_TOKEN = 'agr_' + 'A'.repeat(43);
export const READ_TOKEN = 'agr_' + 'R'.repeat(43);

/** A token check as agor-relay's registry makes it: sha256 of each, compared in constant time. */
export function tokenCheck(
  tokens: Record<string, { name: string; role: Role }> = { [ADMIN_TOKEN]: { name: 'laptop', role: 'admin' }, [READ_TOKEN]: { name: 'watcher', role: 'read' } },
): TokenCheck {
  const hashed = Object.entries(tokens).map(([v, who]) => ({ hash: createHash('sha256').update(v).digest(), who }));
  return {
    verify(presented) {
      const h = createHash('sha256').update(presented).digest();
      let found: { name: string; role: Role } | null = null;
      for (const t of hashed) if (timingSafeEqual(h, t.hash)) found = t.who;
      return found;
    },
  };
}

let cert: Promise<Certificate> | null = null;
/** One certificate for the test file (a P-256 key takes a moment). */
export const certificate = () => (cert ??= makeCertificate(['127.0.0.1', 'localhost']));

export interface TestRelay extends RelayServer {
  url: string;
  logs: RelayLogEntry[];
}

type OnFinished = (fn: () => void | Promise<void>) => void;

/** A relay on 127.0.0.1 and a free port, over `dbPath`, closed when the test finishes. */
export async function relay(onTestFinished: OnFinished, dbPath: string, o: Partial<RelayOptions> = {}): Promise<TestRelay> {
  const c = await certificate();
  const logs: RelayLogEntry[] = [];
  const r = await startRelay({
    dbPath,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: c.cert, key: c.key },
    tokens: tokenCheck(),
    onLog: (e) => logs.push(e),
    ...o,
  });
  onTestFinished(() => r.close());
  return { host: r.host, port: r.port, close: () => r.close(), logs, url: `${o.tls === null ? 'ws' : 'wss'}://127.0.0.1:${r.port}/` };
}

/** A WebSocket client of a relay: requests by id, everything received kept in order. */
export class Client {
  readonly msgs: Msg[] = [];
  private nextId = 1;
  readonly closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.msgs.push(JSON.parse(String(d)) as Msg));
    this.closed = new Promise((r) => ws.once('close', (code) => r({ code })));
  }

  static open(url: string, token: string | null, o: { origin?: string; localAddress?: string } = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        rejectUnauthorized: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        ...(o.origin ? { origin: o.origin } : {}),
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        maxPayload: 64 * 1024 * 1024,
      });
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, headers: res.headers })));
      ws.once('error', reject);
    });
  }

  next(what: string, pred: (m: Msg) => boolean, timeout = 10_000): Promise<Msg> {
    return waitFor(
      what,
      () => this.msgs.find(pred),
      (m) => m !== undefined,
      { timeout, interval: 10 },
    ) as Promise<Msg>;
  }

  /** Sends a request and returns its response, ok or not. */
  async request(op: string, args: Record<string, unknown> = {}, timeout = 20_000): Promise<Msg> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ ...args, id, op }));
    return this.next(`the answer to ${op} #${id}`, (m) => m.id === id && 'ok' in m, timeout);
  }

  /** The result of an op that must succeed. */
  async ok<T = Msg>(op: string, args: Record<string, unknown> = {}, timeout?: number): Promise<T> {
    const r = await this.request(op, args, timeout);
    if (!r.ok) throw new Error(`${op} failed: ${JSON.stringify(r.error)}`);
    return r.result as T;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The status of a WebSocket upgrade the relay refused (the client's promise rejected with it). */
export async function refusal(p: Promise<Client>): Promise<{ status: number; headers: Record<string, string> }> {
  try {
    const c = await p;
    c.close();
    throw new Error('the relay accepted the connection');
  } catch (err) {
    const e = err as Error & { status?: number; headers?: Record<string, string> };
    if (e.status === undefined) throw err;
    return { status: e.status, headers: e.headers ?? {} };
  }
}

/** A raw TCP (or TLS) connection to the relay, left as it is: for idle and half-done handshakes. */
export function rawConnect(port: number, o: { tls?: boolean; localAddress?: string } = {}): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    const tcp = netConnect({ host: '127.0.0.1', port, localAddress: o.localAddress }, () => {
      if (!o.tls) return resolve(tcp);
      const s = tlsConnect({ socket: tcp, rejectUnauthorized: false }, () => resolve(s));
      s.once('error', reject);
    });
    tcp.once('error', reject);
  });
}

/** What came back on a raw socket until it closed (or `timeout`), and whether it closed. */
export function drain(s: Socket, timeout = 10_000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    const timer = setTimeout(() => resolve({ data: Buffer.concat(chunks), closed: false }), timeout);
    s.once('close', () => (clearTimeout(timer), resolve({ data: Buffer.concat(chunks), closed: true })));
  });
}

/** One masked client frame (RFC 6455 5.2): text by default, with a zero mask key (allowed, and the payload stays as written). */
export function frame(payload: Buffer | string, opcode = 0x1): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = body.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) (head.writeUInt8(0x80 | opcode, 0), head.writeUInt8(0x80 | 126, 1), head.writeUInt16BE(n, 2));
  if (n >= 65536) (head.writeUInt8(0x80 | opcode, 0), head.writeUInt8(0x80 | 127, 1), head.writeBigUInt64BE(BigInt(n), 2));
  return Buffer.concat([head, Buffer.alloc(4), body]);
}

/**
 * A WebSocket upgrade done by hand over TLS, so the test decides what the client then
 * reads and answers (nothing, for a client that never reads or never pongs).
 */
export async function rawUpgrade(port: number, token: string): Promise<{ status: number; socket: TLSSocket }> {
  const socket = (await rawConnect(port, { tls: true })) as TLSSocket;
  socket.write(
    [
      'GET / HTTP/1.1',
      'Host: 127.0.0.1',
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      `Authorization: Bearer ${token}`,
      '',
      '',
    ].join('\r\n'),
  );
  const head = await new Promise<string>((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      // Whatever came after the head is the start of the frames: put it back.
      if (got.length > end + 4) socket.unshift(got.subarray(end + 4));
      resolve(got.subarray(0, end).toString('latin1'));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), socket };
}
