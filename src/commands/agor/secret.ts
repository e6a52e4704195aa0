import type { Argv } from 'yargs';
import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { actorId } from '../../cli/verb.js';
import { AGENT_ID } from '../../core/identity.js';
import { notFound, usage } from '../../core/errors.js';
import { type FileArgs, type Verb, fileOption, withDb } from './shared.js';

interface ScopeArgs extends FileArgs {
  group?: string;
  agent?: string;
}

const scopeOptions = <T>(y: Argv<T>, withAgent = true) => {
  const g = fileOption(y).option('group', { type: 'string', requiresArg: true, describe: "The group (default: agor.yaml's group:)" });
  return withAgent ? g.option('agent', { type: 'string', requiresArg: true, describe: "One agent's scope (default: shared by the group)" }) : g;
};

/** The group from --group, else agor.yaml; --agent checked against agor.yaml's agents when it was read. */
async function scopeOf(argv: ScopeArgs): Promise<{ group: string; agent: string | null }> {
  const agent = argv.agent ?? null;
  if (agent !== null && !AGENT_ID.test(agent)) throw usage(`invalid agent id '${agent}'`, 'agent ids are 1-64 letters, digits, dot, dash or underscore');
  if (argv.group !== undefined) {
    if (!AGENT_ID.test(argv.group)) throw usage(`invalid group '${argv.group}'`, 'groups are 1-64 letters, digits, dot, dash or underscore');
    return { group: argv.group, agent };
  }
  const { configuredSecrets } = await import('../../secrets/names.js');
  const cfg = configuredSecrets(argv.file);
  if (agent !== null && !cfg.agents.some((a) => a.id === agent))
    throw notFound(`no agent '${agent}' in ${cfg.file}`, `agents: ${cfg.agents.map((a) => a.id).join(', ') || '(none)'}`);
  return { group: cfg.group, agent };
}

const scopeText = (agent: string | null): string => (agent === null ? 'shared' : `agent ${agent}`);

const set: Verb<ScopeArgs & { name: string; value?: string[]; system?: boolean }> = {
  command: 'set <name> [value..]',
  describe: 'Store a secret in the OS keyring: typed at a hidden prompt, or one line of stdin (never an argument)',
  builder: (y) =>
    scopeOptions(y)
      .positional('name', { type: 'string', describe: 'Secret name, an environment variable name (GITHUB_TOKEN)' })
      .positional('value', { type: 'string', array: true, hidden: true })
      .option('system', { type: 'boolean', describe: 'Used by agor itself (e.g. relay tokens), never handed to an agent' }),
  handler: async (argv) => {
    if (argv.value?.length)
      throw usage(
        'secret values are never taken from the command line (ps and shell history would show them)',
        `type it at the prompt, or pipe one line: printf %s "$VALUE" | agor secret set ${argv.name}`,
      );
    const { checkSecretName, SecretStore } = await import('../../secrets/store.js');
    checkSecretName(argv.name);
    const scope = await scopeOf(argv);
    // The keyring is checked before the value is asked for: no typing a token for nothing.
    const store = SecretStore.open();
    const { readSecretValue } = await import('../../cli/secret-input.js');
    const value = await readSecretValue(argv.name);
    const { setSecret } = await import('../../secrets/manage.js');
    const row = await withDb(argv, (db) =>
      setSecret(db, store, { ...scope, name: argv.name }, value, { category: argv.system ? 'system' : 'tool', actor: actorId() }),
    );
    emit(argv.json, row, (r) => [`stored ${r.name} (${scopeText(r.agent)}, ${r.category}) in the keyring for group ${r.group_id}`]);
  },
};

const list: Verb<ScopeArgs> = {
  command: 'list',
  describe: "The group's secrets: names, scopes, categories, who set them and when (never values)",
  builder: (y) => scopeOptions(y, false),
  handler: async (argv) => {
    const { group } = await scopeOf(argv);
    const { listSecrets } = await import('../../secrets/manage.js');
    const rows = await withDb(argv, (db) => listSecrets(db, group));
    emit(argv.json, rows, (rs) => {
      const c = color();
      if (!rs.length) return [c.dim(`no secrets for group ${group}`)];
      return table([
        ['NAME', 'SCOPE', 'CATEGORY', 'SET BY', 'UPDATED'].map((h) => c.bold(h)),
        ...rs.map((r) => [r.name, scopeText(r.agent), r.category, r.set_by, `${r.updated_at}Z`]),
      ]);
    });
  },
};

const rm: Verb<ScopeArgs & { name: string }> = {
  command: 'rm <name>',
  describe: 'Delete a secret from the keyring (shared, or one agent with --agent)',
  builder: (y) => scopeOptions(y).positional('name', { type: 'string', describe: 'Secret name' }),
  handler: async (argv) => {
    const { checkSecretName, SecretStore } = await import('../../secrets/store.js');
    checkSecretName(argv.name);
    const scope = await scopeOf(argv);
    const store = SecretStore.open();
    const { removeSecret } = await import('../../secrets/manage.js');
    const r = await withDb(argv, (db) => removeSecret(db, store, { ...scope, name: argv.name }, actorId()));
    emit(argv.json, { group: scope.group, agent: scope.agent, name: argv.name, ...r }, (x) => [`removed ${x.name} (${scopeText(x.agent)}) from group ${x.group}`]);
  },
};

const check: Verb<FileArgs> = {
  command: 'check',
  describe: 'Can this process use an unlocked keyring, and does it hold every secret agor.yaml names? Exit 0 yes, 1 no',
  builder: (y) => fileOption(y),
  handler: async (argv) => {
    const [{ loadConfig }, { checkSecrets, systemSecrets }, { SecretStore }] = await Promise.all([
      import('../../supervisor/config.js'),
      import('../../secrets/manage.js'),
      import('../../secrets/store.js'),
    ]);
    // agor.yaml as agor up reads it, so check refuses what up would refuse.
    const cfg = loadConfig(argv.file);
    const configured = { file: cfg.file, group: cfg.group, agents: cfg.agents.map((a) => ({ id: a.id, secrets: a.secrets })) };
    const isSystem = await withDb(argv, (db) => systemSecrets(db, cfg.group));
    const report = checkSecrets(configured, () => SecretStore.open(), isSystem);
    emit(argv.json, report, (r) => {
      const c = color();
      const lines = [r.keyring.ok ? `keyring: ${c.green('reachable and unlocked')}` : c.red(r.keyring.message ?? 'keyring unavailable')];
      if (!r.keyring.ok && r.keyring.hint) lines.push(c.dim(`  hint: ${r.keyring.hint}`));
      if (r.keyring.ok) {
        for (const m of r.missing) lines.push(`${c.red('missing')} ${m.from} for agent ${m.agent}${m.name !== m.from ? ` (as ${m.name})` : ''}`);
        for (const m of r.system) lines.push(`${c.red('system')} ${m.from} for agent ${m.agent}: agor's own secret, never handed to an agent`);
        const bad = r.missing.length + r.system.length;
        lines.push(bad ? c.red(`${bad} of ${r.named} secrets cannot be handed out`) : c.green(`all ${r.named} secrets agor.yaml names are present`));
        if (r.missing.length) lines.push(c.dim(`  hint: agor secret set NAME [--agent AGENT], for each`));
      }
      return lines;
    });
    if (!report.ok) process.exitCode = 1;
  },
};

export const secret: Verb<object> = {
  command: 'secret',
  describe: 'Secrets in the OS keyring: set | list | rm | check',
  builder: (y) => y.command([set, list, rm, check] as never).demandCommand(1, 'secret needs a verb: set, list, rm or check'),
  handler: () => {},
};
