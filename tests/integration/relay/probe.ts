// A hostile or odd relay client, run inside a network namespace (node --import tsx probe.ts
// COMMAND 'JSON'), since the test process itself lives outside the namespaces. It prints
// JSON lines on stdout: what it saw, for the test to judge.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';

interface Args {
  url: string;
  token?: string;
  origin?: string;
  times?: number;
  bytes?: number;
  count?: number;
  agent?: string;
  requests?: Record<string, unknown>[];
}

const [command, raw] = process.argv.slice(2);
const a = JSON.parse(raw ?? '{}') as Args;
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

const open = (o: { token?: string; origin?: string } = {}) =>
  new WebSocket(a.url, {
    rejectUnauthorized: false,
    perMessageDeflate: false,
    // Room for the relay's biggest answers; what is too big on the way out is the relay's to refuse.
    maxPayload: 64 * 1024 * 1024,
    headers: { ...(o.token !== undefined ? { Authorization: `Bearer ${o.token}` } : {}), ...(o.origin ? { Origin: o.origin } : {}) },
  });

/** One upgrade attempt on a fresh connection: the HTTP status (101 when it opened) and Retry-After. */
const attempt = (o: { token?: string; origin?: string }) =>
  new Promise<{ status?: number; retryAfter?: string | null; error?: string }>((resolve) => {
    const ws = open(o);
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null });
      ws.terminate();
    });
    ws.once('open', () => (resolve({ status: 101 }), ws.close()));
    ws.once('error', (e) => resolve({ error: e.message }));
  });

/** Connects with the token and waits for the connection to open. */
const connected = (token: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = open({ token });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });

/** Sends requests one by one and prints each answer. */
async function requests(ws: WebSocket, reqs: Record<string, unknown>[]): Promise<void> {
  let id = 1;
  for (const r of reqs) {
    const mine = id++;
    const answer = await new Promise<unknown>((resolve) => {
      const on = (data: WebSocket.RawData) => {
        const m = JSON.parse(String(data)) as { id?: unknown };
        if (m.id === mine) (ws.off('message', on), resolve(m));
      };
      ws.on('message', on);
      ws.send(JSON.stringify({ ...r, id: mine }));
    });
    say(answer);
  }
}

async function main(): Promise<void> {
  switch (command) {
    case 'upgrade':
      for (let i = 0; i < (a.times ?? 1); i++) say(await attempt({ token: a.token, origin: a.origin }));
      return;
    case 'request': {
      const ws = await connected(a.token!);
      await requests(ws, a.requests ?? []);
      ws.close();
      return;
    }
    case 'big': {
      // One message of a.bytes: the relay must close this connection (1009) and only this one.
      const ws = await connected(a.token!);
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      ws.send(JSON.stringify({ id: 1, op: 'hello', pad: 'x'.repeat(a.bytes!) }));
      say({ closed: await closed });
      const again = await connected(a.token!);
      await requests(again, [{ op: 'hello' }]);
      again.close();
      return;
    }
    case 'idle': {
      // Plain TCP connections that never say anything (not even a TLS hello).
      const u = new URL(a.url);
      const socks: Socket[] = [];
      let closed = 0;
      await Promise.all(
        Array.from(
          { length: a.count! },
          () =>
            new Promise<void>((resolve) => {
              const s = netConnect({ host: u.hostname, port: Number(u.port) }, () => resolve());
              s.on('error', () => resolve());
              s.on('close', () => closed++);
              socks.push(s);
            }),
        ),
      );
      say({ open: socks.filter((s) => !s.destroyed).length, closed });
      setInterval(() => say({ open: socks.filter((s) => !s.destroyed).length, closed }), 1000);
      return;
    }
    case 'stall': {
      // Subscribes, follows an agent's log and asks for its log tail again and again, but never reads.
      const ws = await connected(a.token!);
      ws.on('close', (code) => (say({ closed: code }), process.exit(0)));
      ws.send(JSON.stringify({ id: 1, op: 'subscribe' }));
      ws.send(JSON.stringify({ id: 2, op: 'logs', agent: a.agent, follow: true, lines: 10 }));
      ws.pause();
      for (let i = 0; i < (a.count ?? 200); i++) ws.send(JSON.stringify({ id: 10 + i, op: 'log_tail', agent: a.agent, lines: 5000 }));
      say({ stalled: true });
      return;
    }
    case 'tls-only': {
      // The TLS handshake and nothing after it: what a pinning client does before it trusts.
      const u = new URL(a.url);
      const s = tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => (say({ tls: true }), s.destroy()));
      s.on('error', (e) => say({ error: e.message }));
      return;
    }
    default:
      throw new Error(`unknown probe command ${command}`);
  }
}

main().catch((e: unknown) => {
  say({ error: e instanceof Error ? e.message : String(e) });
  process.exitCode = 1;
});
