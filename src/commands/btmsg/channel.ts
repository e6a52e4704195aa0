import { color } from '../../cli/color.js';
import { readBody } from '../../cli/input.js';
import { emit, table } from '../../cli/output.js';
import { type Verb, channelLine, limitOption, myId, withDb } from './shared.js';

const create: Verb<{ name: string; members?: string[] }> = {
  command: 'create <name> [members..]',
  describe: 'Create a channel (you join it; listed agents too)',
  builder: (y) => y.positional('name', { type: 'string' }).positional('members', { type: 'string', array: true }),
  handler: async (argv) => {
    const ch = await import('../../msg/channels.js');
    const v = await withDb(argv, (db) => ch.create(db, myId(), String(argv.name), (argv.members ?? []).map(String)));
    emit(argv.json, v, (c) => [`created #${c.name} (members: ${c.members.join(', ')})`]);
  },
};

const list: Verb<object> = {
  command: 'list',
  describe: 'List channels',
  handler: async (argv) => {
    const ch = await import('../../msg/channels.js');
    emit(argv.json, await withDb(argv, (db) => ch.list(db, myId())), (cs) => {
      if (!cs.length) return [color().dim('no channels')];
      const c = color();
      return table([
        ['CHANNEL', 'MEMBERS', 'MESSAGES', 'CREATED BY', ''].map((h) => c.dim(h)),
        ...cs.map((x) => [c.magenta('#' + x.name), String(x.members), String(x.messages), x.created_by, x.member ? c.green('member') : '']),
      ]);
    });
  },
};

const send: Verb<{ name: string; message: string[] }> = {
  command: 'send <name> <message..>',
  describe: 'Post to a channel you belong to ("-" reads stdin)',
  builder: (y) => y.positional('name', { type: 'string' }).positional('message', { type: 'string', array: true }),
  handler: async (argv) => {
    const body = await readBody(argv.message);
    const ch = await import('../../msg/channels.js');
    const m = await withDb(argv, (db) => ch.post(db, myId(), String(argv.name), body));
    emit(argv.json, m, (x) => [`posted to #${x.channel}${x.flags.length ? color().yellow(`  (flagged: ${x.flags.join(', ')})`) : ''}`]);
  },
};

const history: Verb<{ name: string; limit: number }> = {
  command: 'history <name>',
  describe: 'Recent messages of a channel, oldest first',
  builder: (y) => limitOption(y.positional('name', { type: 'string' }), 30, 'messages'),
  handler: async (argv) => {
    const ch = await import('../../msg/channels.js');
    emit(argv.json, await withDb(argv, (db) => ch.history(db, myId(), String(argv.name), argv.limit)), (ms) =>
      ms.length ? ms.map(channelLine) : [color().dim('no messages yet')],
    );
  },
};

const add: Verb<{ name: string; agent: string }> = {
  command: 'add <name> <agent>',
  describe: 'Add an agent to a channel',
  builder: (y) => y.positional('name', { type: 'string' }).positional('agent', { type: 'string' }),
  handler: async (argv) => {
    const ch = await import('../../msg/channels.js');
    const r = await withDb(argv, (db) => ch.add(db, myId(), String(argv.name), String(argv.agent)));
    emit(argv.json, r.channel, (c) => [r.added ? `added ${argv.agent} to #${c.name}` : `${argv.agent} is already in #${c.name}`]);
  },
};

export const channel: Verb<object> = {
  command: 'channel',
  describe: 'Channels: create | list | send | history | add',
  builder: (y) => y.command([create, list, send, history, add] as never).demandCommand(1, 'channel needs a verb: create, list, send, history or add'),
  handler: () => {},
};
