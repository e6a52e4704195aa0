import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { heartbeatText } from './agentviews.js';
import { type Verb, myId, withDb } from './shared.js';

export const whoami: Verb<object> = {
  command: 'whoami',
  describe: 'Who you are: BTMSG_AGENT_ID, else the operator (admin)',
  handler: async (argv) => {
    const { whoami: me } = await import('../../msg/agents.js');
    emit(argv.json, await withDb(argv, (db) => me(db, myId())), (a) => [
      `${color().bold(a.id)} (${a.name}) role ${a.role}, tier ${a.tier}, group ${a.group}`,
      `heartbeat: ${heartbeatText(a)}   unread: ${a.unread}   contacts: ${a.contacts}${a.managed ? '   run by agor' : ''}`,
    ]);
  },
};
