import { emit } from '../../cli/output.js';
import { agentTable } from './agentviews.js';
import { type Verb, withDb } from './shared.js';

export const status: Verb<object> = {
  command: 'status',
  describe: 'Every registered agent with heartbeat and unread count',
  handler: async (argv) => {
    const { status: all } = await import('../../msg/agents.js');
    emit(argv.json, await withDb(argv, all), (as) => agentTable(as, true));
  },
};
