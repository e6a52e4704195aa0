import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type DirArgs, type Verb, dirOf, dirOptions, registryOf } from './shared.js';

interface InitArgs extends DirArgs {
  listen?: string;
  name?: string;
  san?: string[];
  force?: boolean;
}

/** What init made, as --json prints it. */
interface Made {
  url: string;
  pin: string;
  token: string;
  token_name: string;
  role: 'admin';
  dir: string;
  store: string;
  /** The pin clients knew before --force, when there was a certificate. */
  replaced_pin: string | null;
  /** The line to run on a client. */
  add: string;
}

/** A host name as `agor hosts add` takes it: this machine's short name. */
const hostAlias = (h: string): string =>
  h
    .split('.')[0]!
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'relay';

export const init: Verb<InitArgs> = {
  command: 'init',
  describe: 'Make the TLS certificate and key (P-256, self-signed) and an admin token; print the line a client pastes',
  builder: (y) =>
    dirOptions(y)
      .option('listen', {
        type: 'string',
        requiresArg: true,
        describe: 'The address the relay will listen on (default 127.0.0.1:7650): in the URL and the certificate',
      })
      .option('name', { type: 'string', requiresArg: true, default: 'admin', describe: "The admin token's name" })
      .option('san', { type: 'string', array: true, requiresArg: true, describe: 'More names or addresses the certificate covers (repeatable)' })
      .option('force', { type: 'boolean', describe: 'Replace an existing certificate and key (a new pin: clients must pin again) and a token of that name' }),
  handler: async (argv) => {
    const { conflict, usage } = await import('../../core/errors.js');
    const { authority, parseListen } = await import('../../relay/credentials.js');
    const { checkTokenName, relayFiles } = await import('../../relay/tokens.js');
    const { pinOf } = await import('../../relay/pin.js');
    const listen = parseListen(argv.listen ?? '127.0.0.1:7650');
    const name = argv.name ?? 'admin';
    checkTokenName(name);
    for (const s of argv.san ?? []) if (!/^[A-Za-z0-9.:*-]+$/.test(s)) throw usage(`invalid --san '${s}'`, 'give a DNS name or an IP address');
    const dir = await dirOf(argv);
    const files = relayFiles(dir);
    let replacedPin: string | null = null;
    if (existsSync(files.cert) || existsSync(files.key)) {
      try {
        replacedPin = pinOf(readFileSync(files.cert));
      } catch {
        replacedPin = null;
      }
      if (!argv.force)
        throw conflict(
          `${dir} already holds a certificate${replacedPin ? ` (pin ${replacedPin})` : ''}`,
          'agor-relay init --force makes a new key and certificate; every client must then pin again',
        );
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const registry = await registryOf({ ...argv, dir });
    if (registry.list().some((t) => t.name === name)) {
      if (!argv.force) throw conflict(`a token named '${name}' exists`, `choose another with --name, or replace it with --force`);
      registry.remove(name);
    }
    const wildcard = listen.host === '0.0.0.0' || listen.host === '::';
    const names = [...new Set([...(wildcard ? [] : [listen.host]), '127.0.0.1', '::1', 'localhost', hostname(), ...(argv.san ?? [])])];
    const { makeCertificate } = await import('../../relay/tls.js');
    const made = await makeCertificate(names.filter((n) => isIP(n) || /^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?$/.test(n)));
    // New files renamed into place: a reader never sees half a key, and the key is never readable by others.
    for (const [file, pem] of [
      [files.key, made.key],
      [files.cert, made.cert],
    ] as const) {
      const tmp = `${file}.${process.pid}.tmp`;
      rmSync(tmp, { force: true });
      writeFileSync(tmp, pem, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, file);
    }
    const { info, token } = registry.create(name, 'admin');
    const url = `wss://${authority({ host: wildcard ? hostname() : listen.host, port: listen.port })}`;
    const add = `agor hosts add ${hostAlias(hostname())} ${url} --pin ${made.pin}`;
    const out: Made = { url, pin: made.pin, token, token_name: info.name, role: 'admin', dir, store: info.store, replaced_pin: replacedPin, add };
    emit(argv.json, out, (m) => {
      const c = color();
      return [
        `made a certificate and key in ${m.dir} (P-256, names: ${names.join(', ')})`,
        ...(m.replaced_pin
          ? [c.yellow(`a new key: its pin changed from ${m.replaced_pin}; clients that pinned the old one must pin again (agor hosts rm NAME, then agor hosts add)`)]
          : []),
        `admin token '${m.token_name}' (kept in ${m.store === 'keyring' ? 'the keyring' : 'the token file'}), shown this once:`,
        `  ${m.token}`,
        'on a client, run this and give it the token:',
        `  ${m.add}`,
        c.dim(`then start the relay: agor-relay --listen ${authority(listen)}${argv.dir ? ` --dir ${m.dir}` : ''}`),
      ];
    });
  },
};
