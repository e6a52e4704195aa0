import { describe, expect, it } from 'vitest';
import { type ConnState, type RelayClient, RelayError, ReconnectingRelay, RelayClient as Client, fetchPin } from '../../../src/relay/client.js';
import { makeCertificate } from '../../../src/relay/tls.js';
import { waitFor } from '../../helpers/wait.js';
import { type TlsServer, startTlsServer } from './tls-server.js';

type OnFinished = (fn: () => void | Promise<void>) => void;

async function server(onTestFinished: OnFinished, o: Parameters<typeof startTlsServer>[0] = {}): Promise<TlsServer> {
  const s = await startTlsServer(o);
  onTestFinished(() => s.close());
  return s;
}

/** The error a promise rejects with (failing the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<RelayError> {
  const r = await p.then(
    (v) => ({ v }),
    (e: unknown) => ({ e }),
  );
  if (!('e' in r)) throw new Error(`expected a refusal, got ${JSON.stringify(r.v)}`);
  expect(r.e).toBeInstanceOf(RelayError);
  return r.e as RelayError;
}

describe.concurrent('the relay client', () => {
  it('with the right pin, connects, sends the token on the upgrade and reads hello and list', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    s.agents = [{ id: 'svc', state: 'running' }];
    const c = await Client.connect({ url: s.url, pin: s.cert.pin, token: 'agr_test' });
    onTestFinished(() => c.close());
    expect(c.hello).toMatchObject({ relay: 1, host: 'tls-server', role: 'admin' });
    expect(await c.request('list')).toEqual([{ id: 'svc', state: 'running' }]);
    expect(s.seen.authorizations).toEqual(['Bearer agr_test']);
  });

  it('with a wrong pin, closes the connection after the TLS handshake without sending one byte of HTTP', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    const other = await makeCertificate(['127.0.0.1']);
    const e = await rejection(Client.connect({ url: s.url, pin: other.pin, token: 'agr_test', name: 'h1' }));
    expect(e.code).toBe(4);
    expect(e.message).toBe(`the certificate of ${s.url} changed: pinned ${other.pin}, offered ${s.cert.pin}`);
    expect(e.hint).toMatch(/agor hosts rm h1 and add it again with the new pin/);
    // The server saw the handshake and the socket close, and nothing else.
    await waitFor(
      'the server to see the socket close',
      () => s.seen.closedSockets,
      (n) => n === 1,
    );
    expect(s.seen).toMatchObject({ bytes: 0, requests: 0, upgrades: 0, authorizations: [] });
  });

  it('reads the pin, subject and expiry of a relay without sending anything', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    const p = await fetchPin(s.url);
    expect(p.pin).toBe(s.cert.pin);
    expect(p.subject).toBe('CN=agor-relay');
    expect(Date.parse(p.validTo)).toBeGreaterThan(Date.now() + 3000 * 86_400_000);
    await waitFor(
      'the server to see the socket close',
      () => s.seen.closedSockets,
      (n) => n === 1,
    );
    expect(s.seen).toMatchObject({ bytes: 0, requests: 0, upgrades: 0 });
  });

  it('maps a refused token to exit 4 and a locked-out address to exit 7 with its Retry-After', async ({ onTestFinished }) => {
    const s = await server(onTestFinished, { lockout: { after: 1, retryAfterS: 42 } });
    const refused = await rejection(Client.connect({ url: s.url, pin: s.cert.pin, token: 'agr_wrong' }));
    expect({ code: refused.code, kind: refused.kind, message: refused.message }).toEqual({
      code: 4,
      kind: 'token',
      message: `the relay at ${s.url} refused the token`,
    });
    const busy = await rejection(Client.connect({ url: s.url, pin: s.cert.pin, token: 'agr_wrong' }));
    expect({ code: busy.code, kind: busy.kind, retry: busy.retryAfterS }).toEqual({ code: 7, kind: 'busy', retry: 42 });
    expect(busy.message).toMatch(/retry after 42 s/);
  });

  it('says which URL it could not reach, with exit 1', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    const { port, cert } = s;
    await s.close();
    const e = await rejection(Client.connect({ url: `wss://127.0.0.1:${port}`, pin: cert.pin, token: 'agr_test' }));
    expect({ code: e.code, message: e.message }).toEqual({ code: 1, message: `cannot reach the relay at wss://127.0.0.1:${port}: connection refused` });
  });

  it('refuses plain ws:// unless asked for insecure with no pin, and wss:// without a pin', async () => {
    const plain = await rejection(Client.connect({ url: 'ws://127.0.0.1:1', pin: null, token: 'agr_test' }));
    expect(plain.code).toBe(4);
    const unpinned = await rejection(Client.connect({ url: 'wss://127.0.0.1:1', pin: null, token: 'agr_test' }));
    expect({ code: unpinned.code, kind: unpinned.kind }).toEqual({ code: 4, kind: 'pin' });
  });

  it('rejects a request with the error body the relay sent, as a UserError with its exit code', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    const c = await Client.connect({ url: s.url, pin: s.cert.pin, token: 'agr_test' });
    onTestFinished(() => c.close());
    await expect(c.request('stop', { agents: ['x'] })).rejects.toMatchObject({ message: "no agent 'x'", hint: 'agor ps lists them', code: 3 });
  });

  it('passes events to onEvent, and rejects what is in flight when the connection drops', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    const c = await Client.connect({ url: s.url, pin: s.cert.pin, token: 'agr_test' });
    const events: unknown[] = [];
    c.onEvent = (ev) => events.push(ev);
    s.broadcast({ event: 'changed', at: '2026-01-01T00:00:00Z' });
    await waitFor(
      'the event',
      () => events.length,
      (n) => n === 1,
    );
    expect(events).toEqual([{ event: 'changed', at: '2026-01-01T00:00:00Z' }]);
    // The server never answers subscribe here (no such op in it): the drop must reject it.
    for (const ws of s.clients) ws.removeAllListeners('message');
    const pending = c.request('subscribe');
    for (const ws of s.clients) ws.terminate();
    await expect(pending).rejects.toMatchObject({ code: 1, kind: 'closed' });
    await c.closed;
  });
});

describe('the reconnecting client', () => {
  it('goes connected, reconnecting with 1 s then 2 s (±20 %) while the relay is down, and connected again with a new snapshot', async ({ onTestFinished }) => {
    let s = await server(onTestFinished);
    const { port, cert } = s;
    const states: { at: number; s: ConnState }[] = [];
    const connects: RelayClient[] = [];
    const r = new ReconnectingRelay(
      { url: s.url, pin: cert.pin, token: 'agr_test' },
      {
        onState: (st) => states.push({ at: Date.now(), s: st }),
        onConnect: async (c) => {
          await c.request('list');
          connects.push(c);
        },
        onEvent: () => undefined,
      },
    );
    onTestFinished(() => r.close());
    await waitFor(
      'connected',
      () => r.state().state,
      (st) => st === 'connected',
    );
    expect(connects).toHaveLength(1);

    await s.close();
    await waitFor(
      'two failed retries',
      () => states.filter((x) => x.s.state === 'reconnecting').length,
      (n) => n >= 3,
      { timeout: 15_000 },
    );
    s = await startTlsServer({ port, cert });
    onTestFinished(() => s.close());
    await waitFor(
      'connected again',
      () => r.state().state,
      (st) => st === 'connected',
      { timeout: 20_000 },
    );
    expect(connects).toHaveLength(2);
    expect(r.client()).toBe(connects[1]);

    const tries = states.filter((x) => x.s.state === 'reconnecting') as { at: number; s: Extract<ConnState, { state: 'reconnecting' }> }[];
    const lostSince = tries[0]!.s.lostSince;
    tries.slice(0, 3).forEach((t, i) => {
      const base = 1000 * 2 ** i;
      expect(t.s.next - t.at, `delay of try ${i + 1}`).toBeGreaterThanOrEqual(0.8 * base - 5);
      expect(t.s.next - t.at, `delay of try ${i + 1}`).toBeLessThanOrEqual(1.2 * base + 5);
      expect(t.s.lostSince).toBe(lostSince);
    });
    expect(states.map((x) => x.s.state)).toEqual(['connected', ...tries.map(() => 'reconnecting'), 'connected']);
  });

  it('drops a link that has been silent for longer than its idle bound, and connects again', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    const errors: string[] = [];
    let connects = 0;
    const r = new ReconnectingRelay(
      { url: s.url, pin: s.cert.pin, token: 'agr_test' },
      {
        onState: (st) => void (st.state === 'reconnecting' && errors.push(st.error)),
        onConnect: async () => void connects++,
        onEvent: () => undefined,
        idleMs: 1500,
      },
    );
    onTestFinished(() => r.close());
    await waitFor(
      'a second connect',
      () => connects,
      (n) => n >= 2,
      { timeout: 10_000 },
    );
    expect(errors[0]).toMatch(/nothing heard from the relay for 2 s/);
  });

  it('retries a refused token only every 30 s, in state refused', async ({ onTestFinished }) => {
    const s = await server(onTestFinished);
    const r = new ReconnectingRelay(
      { url: s.url, pin: s.cert.pin, token: 'agr_wrong' },
      { onState: () => undefined, onConnect: async () => undefined, onEvent: () => undefined },
    );
    onTestFinished(() => r.close());
    const st = await waitFor(
      'refused',
      () => r.state(),
      (x) => x.state === 'refused',
    );
    expect(st).toMatchObject({ state: 'refused', error: expect.stringMatching(/refused the token/) });
    expect(s.seen.upgrades).toBe(1);
  });
});
