import { type Server, createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { type Certificate, makeCertificate } from '../../../src/relay/tls.js';

/**
 * A real HTTPS server with a real ws WebSocketServer behind it, answering `hello` and
 * `list` as a relay does, and saying on the server side what reached it: TLS handshakes,
 * bytes after them, HTTP requests and upgrades. For testing the client's transport before
 * and beside agor-relay itself.
 */
export interface TlsServer {
  port: number;
  url: string;
  cert: Certificate;
  /** What reached the server since it started. */
  seen: { handshakes: number; bytes: number; requests: number; upgrades: number; /** TCP connections closed. */ closedSockets: number; authorizations: string[] };
  /** The WebSocket connections open now. */
  clients: Set<WebSocket>;
  /** Answers to send for `list`. */
  agents: unknown[];
  /** Sends an event to every open connection. */
  broadcast(ev: Record<string, unknown>): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

export interface TlsServerOptions {
  /** A port to bind (a restart on the same port); 0 picks a free one. */
  port?: number;
  cert?: Certificate;
  /** The token it accepts (default 'agr_test'). */
  token?: string;
  /** After this many refused tokens, 429 with this Retry-After (seconds). */
  lockout?: { after: number; retryAfterS: number };
}

export async function startTlsServer(o: TlsServerOptions = {}): Promise<TlsServer> {
  const cert = o.cert ?? (await makeCertificate(['127.0.0.1', 'localhost']));
  const token = o.token ?? 'agr_test';
  const server: Server = createServer({ cert: cert.cert, key: cert.key });
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();
  const seen: TlsServer['seen'] = { handshakes: 0, bytes: 0, requests: 0, upgrades: 0, closedSockets: 0, authorizations: [] };
  let failures = 0;
  const s: TlsServer = {
    port: 0,
    url: '',
    cert,
    seen,
    clients: new Set(),
    agents: [],
    broadcast: (ev) => {
      for (const c of s.clients) c.send(JSON.stringify(ev));
    },
    close: async () => {
      for (const c of s.clients) c.terminate();
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => {
      sockets.delete(sock);
      seen.closedSockets++;
    });
  });
  server.on('secureConnection', (sock: TLSSocket) => {
    seen.handshakes++;
    sock.on('data', (d: Buffer) => (seen.bytes += d.length));
  });
  server.on('request', (_req, res) => {
    seen.requests++;
    res.writeHead(426).end();
  });
  server.on('upgrade', (req, sock: Socket, head: Buffer) => {
    seen.upgrades++;
    const auth = req.headers.authorization ?? '';
    seen.authorizations.push(auth);
    if (auth !== `Bearer ${token}`) {
      failures++;
      const locked = o.lockout && failures > o.lockout.after;
      sock.end(
        locked
          ? `HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${o.lockout!.retryAfterS}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`
          : 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => {
      s.clients.add(ws);
      ws.on('close', () => s.clients.delete(ws));
      ws.on('message', (data) => {
        const req = JSON.parse(data.toString()) as { id: number; op: string };
        const answer = (result: unknown) => ws.send(JSON.stringify({ id: req.id, ok: true, result }));
        if (req.op === 'hello')
          answer({ protocol: 1, relay: 1, host: 'tls-server', db: '/srv/agor.db', group: 'test', token: 'laptop', role: 'admin', supervisor: null });
        else if (req.op === 'list') answer(s.agents);
        else ws.send(JSON.stringify({ id: req.id, ok: false, error: { code: 'not_found', message: `no agent 'x'`, hint: 'agor ps lists them', exit: 3 } }));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  s.port = (server.address() as AddressInfo).port;
  s.url = `wss://127.0.0.1:${s.port}`;
  return s;
}
