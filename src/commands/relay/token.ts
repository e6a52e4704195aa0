import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { usage } from '../../core/errors.js';
import { type DirArgs, type Verb, dirOptions, registryOf } from './shared.js';

const where = (store: string) => (store === 'keyring' ? 'the keyring' : 'the token file');

const add: Verb<DirArgs & { name: string; role?: string }> = {
  command: 'add <name>',
  describe: 'Make a token and print it, once: read (watch only) or admin (act, shut down)',
  builder: (y) =>
    dirOptions(y)
      .positional('name', { type: 'string', describe: 'Token name, shown in the audit and the log: 1-32 of a-z 0-9 . _ -' })
      .option('role', { type: 'string', requiresArg: true, default: 'read', describe: 'read or admin' }),
  handler: async (argv) => {
    const tokens: typeof import('../../relay/tokens.js') = await import('../../relay/tokens.js');
    tokens.checkTokenName(argv.name);
    tokens.checkRole(argv.role ?? 'read');
    const r = await registryOf(argv);
    const { info, token } = r.create(argv.name, argv.role as 'read' | 'admin');
    emit(argv.json, { ...info, token }, (t) => [
      `made ${t.role} token '${t.name}' (kept in ${where(t.store)}); it is shown this once:`,
      `  ${t.token}`,
      color().dim('give it to the client: agor hosts add NAME URL --pin PIN reads it at a prompt or on stdin'),
    ]);
  },
};

const list: Verb<DirArgs> = {
  command: 'list',
  describe: "The relay's tokens: names, roles, when made, where kept (never values)",
  builder: (y) => dirOptions(y),
  handler: async (argv) => {
    const r = await registryOf(argv);
    emit(argv.json, r.list(), (ts) => {
      const c = color();
      if (!ts.length) return [c.dim('no tokens; agor-relay token add NAME --role admin makes one')];
      return table([['NAME', 'ROLE', 'CREATED', 'STORE'].map((h) => c.bold(h)), ...ts.map((t) => [t.name, t.role, t.created_at, t.store])]);
    });
  },
};

const rm: Verb<DirArgs & { name: string }> = {
  command: 'rm <name>',
  describe: 'Remove a token: a running relay refuses new connections with it within a second',
  builder: (y) => dirOptions(y).positional('name', { type: 'string', describe: 'Token name' }),
  handler: async (argv) => {
    const { removeToken } = await import('../../relay/tokens.js');
    const r = await registryOf(argv);
    removeToken(r, argv.name);
    emit(argv.json, { name: argv.name, removed: true }, (x) => [`removed token '${x.name}'; a running relay refuses new connections with it within a second`]);
  },
};

export const token: Verb<object> = {
  command: 'token',
  describe: 'Tokens clients present: add | list | rm',
  builder: (y) => y.command([add, list, rm] as never).demandCommand(1, 'token needs a verb: add, list or rm'),
  handler: () => {
    throw usage('token needs a verb: add, list or rm');
  },
};
