/**
 * The relay server's interface (startRelay), with a minimal body: TLS or plain
 * WebSocket, the Bearer token checked on the upgrade, an unexpected Origin refused,
 * and `hello` answered. The full relay (every op, abuse limits, the supervisor
 * upstream) replaces this body behind the same interface.
 */
import { createServer as createHttp, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_PAYLOAD, RELAY_PROTOCOL, type Role } from './protocol.js';

export interface TokenCheck {
  verify(presented: string): { name: string; role: Role } | null;
}

export interface RelayLimits {
  maxConnections: number;
}

export interface RelayLogEntry {
  at: string;
  level: 'info' | 'warn';
  event: string;
  addr?: string;
  token?: string;
  detail?: string;
}

export interface RelayOptions {
  dbPath: string;
  host: string;
  port: number;
  tls: { cert: string; key: string } | null;
  tokens: TokenCheck;
  allowOrigins?: string[];
  limits?: Partial<RelayLimits>;
  onLog?: (e: RelayLogEntry) => void;
}

export interface RelayServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Starts a relay listening on o.host:o.port (0: any free port); rejects when it cannot listen. */
export async function startRelay(o: RelayOptions): Promise<RelayServer> {
  const log = (e: Omit<RelayLogEntry, 'at'>) => o.onLog?.({ at: new Date().toISOString(), ...e });
  const http: Server = o.tls ? createHttps({ cert: o.tls.cert, key: o.tls.key }) : createHttp();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  http.on('request', (_req, res) => res.writeHead(426, { 'Content-Type': 'text/plain' }).end('agor-relay speaks WebSocket\n'));
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const addr = req.socket.remoteAddress ?? '?';
    const origin = req.headers.origin;
    if (origin !== undefined && !(o.allowOrigins ?? []).includes(origin)) {
      log({ level: 'warn', event: 'origin_refused', addr, detail: origin });
      return refuse(socket, 403, 'Forbidden');
    }
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const who = m ? o.tokens.verify(m[1]!) : null;
    if (!who) {
      log({ level: 'warn', event: 'auth_failed', addr });
      return refuse(socket, 401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      log({ level: 'info', event: 'connected', addr, token: who.name });
      ws.on('message', (data) => {
        let req: { id?: unknown; op?: unknown };
        try {
          req = JSON.parse(String(data)) as typeof req;
        } catch {
          return ws.close(1003, 'not JSON');
        }
        if (req.op === 'hello')
          ws.send(
            JSON.stringify({
              id: req.id,
              ok: true,
              result: { protocol: 1, relay: RELAY_PROTOCOL, host: hostname(), db: o.dbPath, group: null, token: who.name, role: who.role, supervisor: null },
            }),
          );
        else ws.send(JSON.stringify({ id: req.id, ok: false, error: { code: 'bad_request', message: `unknown op '${String(req.op)}'`, exit: 2 } }));
      });
      ws.on('close', () => log({ level: 'info', event: 'disconnected', addr, token: who.name }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const bound = http.address();
  const port = typeof bound === 'object' && bound ? bound.port : o.port;
  return {
    host: o.host,
    port,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
