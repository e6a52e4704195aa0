import type { Options } from 'yargs';
import { verbShape } from '../../cli/argv.js';
import type { AnyVerb } from '../../cli/run.js';
import { usage } from '../../core/errors.js';

/** The verbs that act on a remote host with --host NAME (dash takes several: its own option). */
export const HOST_VERBS = ['ps', 'start', 'stop', 'restart', 'wake', 'logs', 'runs', 'audit', 'approve', 'deny', 'reload'] as const;
export type HostVerb = (typeof HOST_VERBS)[number];

/** agor's global --host: a host of hosts.yaml (agor hosts add) to run the verb on. */
export const hostOption: Record<string, Options> = {
  host: {
    type: 'string',
    requiresArg: true,
    describe: `Run the verb on a host of hosts.yaml through its agor-relay (${HOST_VERBS.join(', ')}; dash takes several)`,
  },
};

const notTaken = (name: string) => usage(`agor ${name} does not take --host`, `--host is taken by ${HOST_VERBS.join(', ')} and dash (which takes several)`);

/**
 * A verb that, given --host, runs on that host through its relay instead of here. The
 * relay code (and ws) is loaded only then, so the local verbs start as fast as before.
 */
export function withHost(verb: AnyVerb): AnyVerb {
  const name = verb.command.split(' ')[0]!;
  if (name === 'dash') return verb;
  if (verb.builder && !(HOST_VERBS as readonly string[]).includes(name) && verbShape(verb).subVerbs) {
    // A sub-verb's handler is the one yargs runs: the refusal goes in before it.
    const builder = verb.builder;
    return {
      ...verb,
      builder: (y) =>
        builder(y).middleware((argv) => {
          if ((argv as { host?: unknown }).host !== undefined) throw notTaken(name);
        }),
    };
  }
  return {
    ...verb,
    handler: async (argv) => {
      const host = (argv as { host?: unknown }).host;
      if (host === undefined) return verb.handler(argv);
      if (!(HOST_VERBS as readonly string[]).includes(name)) throw notTaken(name);
      if (Array.isArray(host)) throw usage('--host is given more than once', `agor ${name} runs on one host; agor dash shows several`);
      if (argv.db !== undefined) throw usage('--db and --host together', '--db names a database on this machine; --host one on another');
      const { runRemote } = await import('./remote.js');
      await runRemote(name as HostVerb, String(host), argv);
    },
  };
}
