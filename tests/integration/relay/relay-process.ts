import { type ChildProcess, spawn } from 'node:child_process';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import WebSocket from 'ws';
import { pinOf } from '../../../src/relay/pin.js';
import { ROOT } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';

/** A relay started as a user starts it, in the foreground with --json. */
export interface RelayProcess {
  child: ChildProcess;
  /** The `listening` event: url (with the port it bound), pin, db, dir. */
  listening: { url: string; pin: string | null; db: string; dir: string; store: string; pid: number };
  /** Every JSON line it printed so far. */
  events(): Record<string, unknown>[];
  stderr(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/** The environment of a relay or CLI call: its own config dir, its database, no keyring unless `env` gives one. */
export function relayEnv(o: { config: string; db: string; env?: Record<string, string | undefined> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: o.config, AGOR_DB: o.db };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Starts dist/agor-relay.cjs with `args` (plus --json) and waits for its listening event. */
export async function startRelayProcess(args: string[], env: NodeJS.ProcessEnv): Promise<RelayProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'agor-relay.cjs'), ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const events = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const listening = await waitFor(
    'the relay to listen',
    () => {
      if (child.exitCode !== null) throw new Error(`agor-relay exited ${child.exitCode}: ${err}`);
      return events().find((e) => e.event === 'listening');
    },
    (e) => e !== undefined,
  );
  return {
    child,
    listening: listening as unknown as RelayProcess['listening'],
    events,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      return exited;
    },
  };
}

/**
 * A WebSocket to a relay after checking its certificate's pin, before any token leaves:
 * the TLS connection is made here and handed to ws, which then sends the upgrade.
 */
export async function pinnedConnect(url: string, pin: string, token: string | null, headers: Record<string, string> = {}): Promise<WebSocket> {
  const u = new URL(url);
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const s = tlsConnect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port), rejectUnauthorized: false, servername: undefined }, () => resolve(s));
    s.once('error', reject);
  });
  const seen = pinOf(socket.getPeerX509Certificate()!);
  if (seen !== pin) {
    socket.destroy();
    throw new Error(`pin mismatch: ${seen}`);
  }
  const ws = new WebSocket(url, {
    createConnection: () => socket,
    headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...headers },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

/** The status of a refused upgrade (or 101 when it was accepted). */
export async function upgradeStatus(url: string, pin: string, token: string | null, headers: Record<string, string> = {}): Promise<number> {
  try {
    const ws = await pinnedConnect(url, pin, token, headers);
    ws.close();
    return 101;
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === undefined) throw e;
    return status;
  }
}

/** One request and its response. */
export function request(ws: WebSocket, msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      if (m.id === msg.id) {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
    ws.send(JSON.stringify(msg));
  });
}
