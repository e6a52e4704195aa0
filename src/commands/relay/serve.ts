import type { RelayLogEntry } from '../../relay/server.js';
import { type DirArgs, type Verb, dbPathOf, dirOf, dirOptions, registryOf } from './shared.js';

interface ServeArgs extends DirArgs {
  listen?: string;
  insecure?: number;
  allowOrigin?: string[];
  headless?: boolean;
}

/** One log line: time, level, event and its fields; whatever a peer sent is shown, never obeyed. */
export function logLine(e: RelayLogEntry, show: (s: string) => string): string {
  const fields = Object.entries(e as object)
    .filter(([k, v]) => !['at', 'level', 'event', 'detail'].includes(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${show(String(v))}`);
  return [e.at, e.level, show(e.event), ...fields, ...(e.detail ? [show(e.detail)] : [])].join(' ');
}

export const serve: Verb<ServeArgs> = {
  command: 'serve',
  describe: "Serve this host's database to remote dashboards and CLIs over TLS WebSocket, in the foreground (the default verb)",
  builder: (y) =>
    dirOptions(y)
      .option('listen', { type: 'string', requiresArg: true, describe: 'HOST:PORT to listen on (default 127.0.0.1:7650; [::1]:7650 for IPv6)' })
      .option('insecure', {
        type: 'count',
        describe: 'Plain ws://, no TLS: on a loopback address only, unless given twice (--insecure --insecure)',
      })
      .option('allow-origin', { type: 'string', array: true, requiresArg: true, describe: 'Accept WebSocket upgrades from this browser Origin too (repeatable)' })
      .option('headless', { type: 'boolean', describe: 'Log lines on stderr only, one per event (for systemd)' }),
  handler: async (argv) => {
    const { Exit, UserError, notFound, notPermitted } = await import('../../core/errors.js');
    const { authority, isLoopback, loadTls, parseListen } = await import('../../relay/credentials.js');
    const { inertJson, showControls } = await import('../../core/text.js');
    const listen = parseListen(argv.listen ?? '127.0.0.1:7650');
    const insecure = argv.insecure ?? 0;
    if (insecure === 1 && !isLoopback(listen.host))
      throw notPermitted(
        `plain ws:// on ${listen.host} is refused: tokens and everything else would cross the network in clear`,
        'serve TLS (agor-relay init makes a certificate), or, if a tunnel or a private link already protects it, say --insecure twice',
      );
    const dir = await dirOf(argv);
    const tls = insecure ? null : loadTls(dir);
    const registry = await registryOf(argv);
    const values = await registry.values();
    if (!values.some((t) => t.value !== null)) {
      // Tokens listed but unreadable (made on a keyring this process does not reach) are named, not hidden.
      const why = values.find((t) => t.error)?.error;
      throw notFound(
        `no usable token in ${dir}: no client could connect${why ? ` (${why})` : ''}`,
        why
          ? 'run the relay where the keyring that holds its tokens answers, or make new ones: agor-relay token add NAME --role admin'
          : 'agor-relay token add NAME --role admin',
      );
    }
    const dbPath = await dbPathOf(argv);
    // A closed terminal or pipe must not take the relay down.
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);
    const emitEntry = (e: RelayLogEntry) => {
      if (argv.json) process.stdout.write(inertJson(JSON.stringify(e)) + '\n');
      else process.stderr.write(logLine(e, showControls) + '\n');
    };
    const { startRelay } = await import('../../relay/server.js');
    let server: Awaited<ReturnType<typeof startRelay>>;
    try {
      server = await startRelay({
        dbPath,
        host: listen.host,
        port: listen.port,
        tls: tls && { cert: tls.cert, key: tls.key },
        tokens: registry,
        allowOrigins: argv.allowOrigin,
        // The server's own `listening` line is replaced by the one below, which has the pin.
        onLog: (e) => e.event !== 'listening' && emitEntry(e),
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new UserError(`${authority(listen)} is in use`, 'another relay (or program) listens there; choose another --listen', Exit.BUSY);
      if (code === 'EACCES') throw notPermitted(`may not listen on ${authority(listen)}`, 'ports below 1024 need privileges; choose another --listen');
      if (code === 'EADDRNOTAVAIL') throw new UserError(`${listen.host} is not an address of this machine`, 'choose another --listen');
      throw e;
    }
    const url = `${tls ? 'wss' : 'ws'}://${authority({ host: listen.host, port: server.port })}`;
    const started = {
      at: new Date().toISOString(),
      level: 'info' as const,
      event: 'listening',
      url,
      pin: tls?.pin ?? null,
      db: dbPath,
      dir,
      store: registry.vault.kind,
      pid: process.pid,
    };
    if (argv.json || argv.headless) emitEntry(started);
    else process.stdout.write(`agor-relay: serving ${showControls(dbPath)} on ${url}${tls ? ` (pin ${tls.pin})` : ' without TLS'}; Ctrl-C stops\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    await server.close();
    emitEntry({ at: new Date().toISOString(), level: 'info', event: 'stopped', detail: signal });
    // Anything still holding the event loop (a peer's half-closed socket) must not keep a stopped relay alive.
    setTimeout(() => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0), 2000).unref();
  },
};
