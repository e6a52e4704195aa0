import { once } from 'node:events';
import { request as httpsRequest } from 'node:https';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { type AgentView, group, sql, waitFor } from '../agor/fixture.js';
import { ADMIN_TOKEN, Client, drain, rawConnect, rawUpgrade, refusal, relay } from './relay.js';

const WRONG = 'agr_' + 'W'.repeat(43);

describe.concurrent('agor-relay refusing what it must refuse', () => {
  it('locks an address out after 5 wrong tokens across reconnects: 401 five times, then 429 with Retry-After, the right token too', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db);
    const statuses: number[] = [];
    let retryAfter = '';
    for (let i = 0; i < 20; i++) {
      const res = await refusal(Client.open(r.url, WRONG));
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers['retry-after'] ?? '';
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(15).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(30);
    // Locked out is locked out: the right token from that address waits too.
    expect((await refusal(Client.open(r.url, ADMIN_TOKEN))).status).toBe(429);
    // Another address is not locked out.
    const other = await Client.open(r.url, ADMIN_TOKEN, { localAddress: '127.0.0.2' });
    onTestFinished(() => other.close());
    expect(await other.ok('hello')).toMatchObject({ token: 'laptop' });
    expect(r.logs.filter((e) => e.event === 'auth_failed')).toHaveLength(4);
    // The lockout is logged when it starts; the refusals it brings, once per 10 s, not each.
    expect(r.logs.filter((e) => e.event === 'locked_out').map((e) => e.detail)).toEqual([
      'wrong token; locked out for 30 s',
      expect.stringMatching(/^refused: \d+ s left$/),
    ]);
    // Nothing was done or audited for the refused upgrades.
    expect(sql(g.db, (db) => db.prepare(`SELECT count(*) AS n FROM audit_log WHERE event_type LIKE 'relay_%'`).get())).toEqual({ n: 0 });
  });

  it('lets a lockout end and doubles the next one', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db, { limits: { lockoutMs: 1000 } });
    for (let i = 0; i < 5; i++) expect((await refusal(Client.open(r.url, WRONG))).status).toBe(401);
    expect((await refusal(Client.open(r.url, WRONG))).headers['retry-after']).toBe('1');
    await waitFor(
      'the lockout to end',
      async () => (await refusal(Client.open(r.url, WRONG))).status,
      (s) => s === 401,
      { timeout: 5000, interval: 200 },
    );
    // That was the first of five failures again; the fifth starts a lockout twice as long.
    for (let i = 0; i < 4; i++) expect((await refusal(Client.open(r.url, WRONG))).status).toBe(401);
    const second = await refusal(Client.open(r.url, WRONG));
    expect(second).toMatchObject({ status: 429, headers: { 'retry-after': '2' } });
  });

  it('refuses a plain ws:// client on the TLS port before any request reaches it', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db);
    const ws = new WebSocket(`ws://127.0.0.1:${r.port}/`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    const [err] = (await once(ws, 'error')) as [Error];
    expect(err.message).toMatch(/socket hang up|ECONNRESET|Unexpected server response|Invalid WebSocket frame/);
    // The relay saw a failed TLS handshake, and no HTTP request at all.
    await waitFor(
      'the refusal in the log',
      () => r.logs.filter((e) => e.event !== 'listening' && e.event !== 'upstream'),
      (es) => es.length > 0,
    );
    expect(r.logs.filter((e) => e.event !== 'listening' && e.event !== 'upstream')).toEqual([
      expect.objectContaining({ event: 'refused', addr: '127.0.0.1', detail: expect.stringMatching(/^TLS handshake failed/) }),
    ]);
    // A plain HTTP client gets no answer either: the connection just ends.
    const raw = await rawConnect(r.port);
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await drain(raw, 5000);
    expect(got.closed).toBe(true);
    expect(got.data.toString('latin1')).not.toMatch(/^HTTP/);
  });

  it('answers a plain HTTPS request with 426 and an Origin from another site with 403', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db, { allowOrigins: ['https://dash.example.org/'] });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: r.port, path: '/', rejectUnauthorized: false }, (res) => (res.resume(), resolve(res.statusCode!)));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(426);
    expect((await refusal(Client.open(r.url, ADMIN_TOKEN, { origin: 'https://evil.example.com' }))).status).toBe(403);
    expect((await refusal(Client.open(r.url, ADMIN_TOKEN, { origin: 'null' }))).status).toBe(403);
    const allowed = await Client.open(r.url, ADMIN_TOKEN, { origin: 'https://dash.example.org' });
    onTestFinished(() => allowed.close());
    expect(await allowed.ok('hello')).toMatchObject({ role: 'admin' });
    // A refused origin is not a failed token: no lockout comes of it.
    for (let i = 0; i < 6; i++) expect((await refusal(Client.open(r.url, ADMIN_TOKEN, { origin: 'https://evil.example.com' }))).status).toBe(403);
  });

  it('closes a connection that sends a 5 MiB frame with 1009 and goes on serving the others', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db);
    const big = await Client.open(r.url, ADMIN_TOKEN);
    const other = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => (big.close(), other.close()));
    big.ws.send(JSON.stringify({ id: 1, op: 'hello', pad: 'x'.repeat(5 * 1024 * 1024) }));
    expect((await big.closed).code).toBe(1009);
    expect(big.msgs).toEqual([]);
    expect(await other.ok('status')).toMatchObject({ state: 'none' });
  });

  it('destroys idle connections beyond the caps and still answers a legitimate client', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    // Idle sockets are not timed out during the test: what it sees is the caps alone.
    const r = await relay(onTestFinished, g.db, { limits: { handshakeMs: 60_000 } });
    const idle = await Promise.all(Array.from({ length: 500 }, () => rawConnect(r.port, { localAddress: '127.0.0.3' }).catch(() => null)));
    onTestFinished(() => idle.forEach((s) => s?.destroy()));
    let closed = 0;
    for (const s of idle) if (s) s.once('close', () => closed++);
    closed += idle.filter((s) => s === null).length;
    // 16 handshakes may wait per address: the rest are closed as soon as the relay accepts them.
    await waitFor(
      'the relay to close all but 16',
      () => closed,
      (n) => n === 500 - 16,
      { timeout: 30_000, interval: 50 },
    );
    const t0 = Date.now();
    const c = await Client.open(r.url, ADMIN_TOKEN, { localAddress: '127.0.0.4' });
    onTestFinished(() => c.close());
    expect(await c.ok<AgentView[]>('list')).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(closed).toBe(500 - 16);
    // Said once, not 484 times.
    expect(r.logs.filter((e) => e.detail === 'too many handshakes under way')).toHaveLength(1);
  });

  it('closes a connection that does not finish its handshake in time', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db, { limits: { handshakeMs: 500 } });
    const t0 = Date.now();
    const plain = await rawConnect(r.port);
    const tls = await rawConnect(r.port, { tls: true });
    const [a, b] = await Promise.all([drain(plain, 5000), drain(tls, 5000)]);
    expect([a.closed, b.closed]).toEqual([true, true]);
    expect(Date.now() - t0).toBeLessThan(3000);
    // A client that did finish its handshake stays past that bound.
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());
    await new Promise((res) => setTimeout(res, 1500));
    expect(await c.ok('hello')).toMatchObject({ token: 'laptop' });
  });

  it('refuses upgraded connections beyond the per-address cap with 503', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db, { limits: { maxConnectionsPerAddress: 4 } });
    const held = await Promise.all(Array.from({ length: 4 }, () => Client.open(r.url, ADMIN_TOKEN)));
    onTestFinished(() => held.forEach((c) => c.close()));
    expect((await refusal(Client.open(r.url, ADMIN_TOKEN))).status).toBe(503);
    held[0]!.close();
    await held[0]!.closed;
    const again = await waitFor(
      'a place to come free',
      () => Client.open(r.url, ADMIN_TOKEN).catch(() => null),
      (c) => c !== null,
      { timeout: 5000, interval: 100 },
    );
    onTestFinished(() => again!.close());
    expect(await again!.ok('hello')).toMatchObject({ token: 'laptop' });
  });

  it('terminates a client that answers no pings', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const r = await relay(onTestFinished, g.db, { limits: { pingMs: 200 } });
    const { status, socket } = await rawUpgrade(r.port, ADMIN_TOKEN);
    expect(status).toBe(101);
    socket.resume();
    // Read, but never pong.
    expect((await drain(socket, 5000)).closed).toBe(true);
    expect(r.logs).toContainEqual(expect.objectContaining({ event: 'disconnect', detail: 'no pong: terminated', token: 'laptop' }));
    // A client that does pong stays.
    const c = await Client.open(r.url, ADMIN_TOKEN);
    onTestFinished(() => c.close());
    await new Promise((res) => setTimeout(res, 1000));
    expect(await c.ok('hello')).toMatchObject({ token: 'laptop' });
  });
});
