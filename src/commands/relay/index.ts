import type { AnyVerb } from '../../cli/run.js';
import { check } from './check.js';
import { init } from './init.js';
import { serve } from './serve.js';
import { token } from './token.js';

/** Every agor-relay verb, in the order --help lists them. */
export const commands: AnyVerb[] = [serve, init, token, check];

export const describe = "Serve this host's agents and database to remote dashboards and CLIs: TLS WebSocket, tokens, pinned certificates";

export const epilog =
  'With no verb, agor-relay serves (agor-relay --listen HOST:PORT); agor-relay --check is agor-relay check. Exit codes: 0 ok, 1 failure (an unusable certificate or key, a check that failed), 2 usage, 3 not found (no certificate: agor-relay init; no token; no such token), 4 not permitted (plain ws:// off loopback with one --insecure, a private key others can read), 5 conflict (init over a certificate without --force, a token name in use), 7 busy (the address is in use). See man agor-relay.';

const VERBS = new Set(['serve', 'init', 'token', 'check', 'help']);
const HELP = new Set(['--help', '-h', '--version']);

/**
 * The words as runCli reads them: no verb means serve, and `--check` (the form systemd
 * units and scripts use) means the check verb.
 */
export function withVerb(argv: string[]): string[] {
  const words = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (words.some((a) => VERBS.has(a))) return argv;
  if (argv.includes('--check')) return ['check', ...argv.filter((a) => a !== '--check')];
  if (argv.length === 0 || !argv.every((a) => HELP.has(a))) return ['serve', ...argv];
  return argv;
}
