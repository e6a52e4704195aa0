import { usage } from '../../core/errors.js';
import { emit } from '../../cli/output.js';
import { type Verb, actorId, withDb } from './shared.js';

export const register: Verb<{ id: string; name: string; role: string; group: string; tier?: number; model?: string; cwd?: string }> = {
  command: 'register <id> <name> <role> <group>',
  describe: 'Register (or update) an agent; operator or manager only',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Agent id (BTMSG_AGENT_ID)' })
      .positional('name', { type: 'string', describe: 'Display name' })
      .positional('role', { type: 'string', describe: 'manager, architect, tester, reviewer or project' })
      .positional('group', { type: 'string', describe: 'Group (team) id' })
      .option('tier', {
        type: 'number',
        requiresArg: true,
        describe: 'Tier (default from role: 1, or 2 for project)',
        coerce: (v: unknown) => {
          const n = Number(v);
          if (!Number.isInteger(n)) throw usage(`invalid --tier '${String(v)}'`, 'give a whole number');
          return n;
        },
      })
      .option('model', { type: 'string', requiresArg: true, describe: 'Model the agent runs' })
      .option('cwd', { type: 'string', requiresArg: true, describe: 'Working directory of the agent' }),
  handler: async (argv) => {
    const { register: reg } = await import('../../msg/agents.js');
    const r = await withDb(argv, (db) =>
      reg(db, actorId(), {
        id: String(argv.id),
        name: String(argv.name),
        role: String(argv.role),
        group: String(argv.group),
        tier: argv.tier,
        model: argv.model,
        cwd: argv.cwd,
      }),
    );
    if (r.note) process.stderr.write(`btmsg: note: ${r.note}\n`);
    emit(argv.json, { ...r.agent, result: r.result, ...(r.note ? { note: r.note } : {}) }, (a) => [
      `${r.result} ${a.id} (${a.role}, tier ${a.tier}, group ${a.group_id})`,
    ]);
  },
};
