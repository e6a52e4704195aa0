// An event source for section 16's ceiling: it takes the supervisor's place in a database
// (its lock row, its socket, docs/protocol.md) and, when asked on its socket with
// {"op":"firehose","rate":N,"seconds":S}, sends N `state` events a second for S seconds to
// every subscribed connection, as fast as a real supervisor could never make them. The
// relay in front of it is the real agor-relay: only the supervisor is replaced, so that
// the relay, not the supervisor, is what limits the rate.
//   node --import tsx bench/event-source.ts DB SOCKET
import { rmSync } from 'node:fs';
import { type Socket, createServer } from 'node:net';
import { hostname } from 'node:os';
import { openDb } from '../src/db/open.js';
import { clearSupervisor, putSupervisor } from '../src/db/runs.js';
import { LineSplitter } from '../src/supervisor/jsonlines.js';
import { bootId, procStat } from '../src/supervisor/proc.js';

const [dbPath, socketPath] = process.argv.slice(2);
if (!dbPath || !socketPath) throw new Error('usage: event-source.ts DB SOCKET');

const subscribed = new Set<Socket>();
const answer = (s: Socket, id: unknown, result: unknown) => s.write(`${JSON.stringify({ id, ok: true, result })}\n`);

/** Sends `rate` events a second for `seconds`, in 5 ms ticks; resolves with how many were sent and how long that took. */
async function firehose(rate: number, seconds: number): Promise<{ sent: number; seconds: number }> {
  const t0 = performance.now();
  let sent = 0;
  for (;;) {
    const elapsed = (performance.now() - t0) / 1000;
    const due = Math.min(rate * seconds, Math.floor(rate * elapsed));
    if (due > sent) {
      const at = new Date().toISOString();
      let text = '';
      for (; sent < due; sent++)
        text += `${JSON.stringify({ event: 'state', at, agent: `fh${sent % 100}`, state: 'running', health: 'healthy', pid: 4242, reason: `bench ${sent}` })}\n`;
      for (const s of subscribed) s.write(text);
    }
    if (sent >= rate * seconds) return { sent, seconds: (performance.now() - t0) / 1000 };
    await new Promise((r) => setTimeout(r, 5));
  }
}

const server = createServer((s) => {
  const lines = new LineSplitter();
  s.on('error', () => undefined);
  s.on('close', () => subscribed.delete(s));
  s.on('data', (chunk: Buffer) => {
    for (const line of lines.take(chunk)) {
      if (!line) continue;
      const r = JSON.parse(line) as { id?: unknown; op?: string; rate?: number; seconds?: number };
      if (r.op === 'hello') answer(s, r.id, { protocol: 1, pid: process.pid, group: 'bench', config: null, db: dbPath });
      else if (r.op === 'list') answer(s, r.id, []);
      else if (r.op === 'subscribe') (subscribed.add(s), answer(s, r.id, { subscribed: true }));
      else if (r.op === 'unsubscribe') (subscribed.delete(s), answer(s, r.id, { subscribed: false }));
      else if (r.op === 'firehose') void firehose(r.rate ?? 1000, r.seconds ?? 1).then((done) => answer(s, r.id, done));
      else s.write(`${JSON.stringify({ id: r.id ?? null, ok: false, error: { code: 'bad_request', message: 'not served here', exit: 2 } })}\n`);
    }
  });
});

rmSync(socketPath, { force: true });
server.listen(socketPath, () => {
  const db = openDb({ path: dbPath });
  const stat = procStat(process.pid)!;
  putSupervisor(db, {
    pid: process.pid,
    pid_start: stat.starttime,
    boot_id: bootId(),
    host: hostname(),
    socket: socketPath,
    config: null,
    group_id: 'bench',
    log: null,
    started_at: Date.now(),
  });
  const stop = () => {
    clearSupervisor(db, process.pid);
    db.close();
    server.close();
    rmSync(socketPath, { force: true });
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write('ready\n');
});
