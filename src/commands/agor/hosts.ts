import { createInterface } from 'node:readline';
import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { Exit, UserError, usage } from '../../core/errors.js';
import type { Verb } from './shared.js';

/** A relay token as agor-relay makes it: agr_ and 32 random bytes in base64url. */
const TOKEN = /^agr_[A-Za-z0-9_-]{43}$/;

/** One y/N answer from the terminal; anything but y or yes is no. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const add: Verb<{ name: string; url: string; pin?: string }> = {
  command: 'add <name> <url>',
  describe: "Add a relay: checks its certificate's pin and the token (asked for, or one line of stdin) before saving",
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'A name for the host (1-32 of a-z 0-9 . _ -; not local)' })
      .positional('url', { type: 'string', describe: 'The relay: wss://HOST:PORT' })
      .option('pin', { type: 'string', requiresArg: true, describe: "sha256/… of the relay's key, as agor-relay init printed it (else it is shown and asked)" }),
  handler: async (argv) => {
    const [{ checkHostName, getHost, addHost }, { fetchPin, parseRelayUrl, RelayClient }, { parsePin }] = await Promise.all([
      import('../../relay/hosts.js'),
      import('../../relay/client.js'),
      import('../../relay/pin.js'),
    ]);
    checkHostName(argv.name);
    const ep = parseRelayUrl(argv.url);
    if (!ep.secure) throw usage(`${argv.url} is plain ws://: agor hosts add takes wss:// relays only`, `give wss://${ep.url.host}`);
    const exists = await getHost(argv.name).then(
      () => true,
      () => false,
    );
    if (exists) throw new UserError(`host '${argv.name}' exists`, `agor hosts rm ${argv.name} first to replace it`, Exit.CONFLICT);
    let pin: string;
    if (argv.pin !== undefined) {
      const p = parsePin(argv.pin);
      if (!p) throw usage(`invalid pin '${argv.pin}'`, 'a pin is sha256/ and 44 characters of base64, as agor-relay init prints it');
      pin = p;
    } else {
      // Trust on first use: the certificate is shown, and no token goes out until it is accepted.
      const cert = await fetchPin(argv.url);
      const about = `${ep.url.origin} offers a certificate for ${cert.subject}${cert.names ? ` (${cert.names})` : ''}, valid to ${cert.validTo}\n  pin ${cert.pin}\n`;
      if (!process.stdin.isTTY)
        throw new UserError(
          `${ep.url.origin} is not pinned: ${cert.pin}`,
          `compare it with what agor-relay init printed on the relay, then: agor hosts add ${argv.name} ${argv.url} --pin ${cert.pin}`,
          Exit.NOT_PERMITTED,
        );
      process.stderr.write(about);
      if (!(await confirm('trust this certificate? [y/N] ')))
        throw new UserError('not trusted: nothing was saved', 'compare the pin with what agor-relay init printed on the relay', Exit.NOT_PERMITTED);
      pin = cert.pin;
    }
    const { readSecretValue } = await import('../../cli/secret-input.js');
    const token = await readSecretValue(`the token of ${argv.name}`);
    if (!TOKEN.test(token))
      throw usage('that is not a relay token', 'a token is agr_ and 43 more characters, as agor-relay init or agor-relay token add printed it');
    // One connection to prove the pin and the token; a failure saves nothing.
    const c = await RelayClient.connect({ url: argv.url, pin, token, name: argv.name });
    const hello = c.hello;
    c.close();
    const entry = await addHost({ name: argv.name, url: ep.url.href.replace(/\/$/, ''), pin, token });
    emit(argv.json, { ...entry, role: hello.role, token_name: hello.token, relay_host: hello.host }, (e) => [
      `added ${e.name}: ${e.url} (${e.role} token '${e.token_name}' on ${e.relay_host}; the token is in the ${e.token === 'file' ? 'token file' : 'keyring'})`,
    ]);
  },
};

const list: Verb<object> = {
  command: 'list',
  describe: 'The relays this machine knows: name, URL, pin, where the token is',
  handler: async (argv) => {
    const { listHosts } = await import('../../relay/hosts.js');
    emit(argv.json, await listHosts(), (hs) => {
      const c = color();
      if (!hs.length) return [c.dim('no hosts: agor hosts add NAME wss://HOST:7650 --pin PIN')];
      return table([['NAME', 'URL', 'PIN', 'STORE'].map((h) => c.bold(h)), ...hs.map((h) => [h.name, h.url, h.pin, h.token])]);
    });
  },
};

const rm: Verb<{ name: string }> = {
  command: 'rm <name>',
  describe: 'Forget a relay and delete its token',
  builder: (y) => y.positional('name', { type: 'string', describe: 'The host' }),
  handler: async (argv) => {
    const { removeHost } = await import('../../relay/hosts.js');
    const h = await removeHost(argv.name);
    emit(argv.json, h, (x) => [`removed ${x.name} (${x.url}) and its token`]);
  },
};

export const hosts: Verb<object> = {
  command: 'hosts',
  describe: 'Relays of other machines for --host and dash: add | list | rm',
  builder: (y) => y.command([add, list, rm] as never).demandCommand(1, 'hosts needs a verb: add, list or rm'),
  handler: () => {},
};
