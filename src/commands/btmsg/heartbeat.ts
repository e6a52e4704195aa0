import { emit } from '../../cli/output.js';
import { type Verb, myId, withDb } from './shared.js';

export const heartbeat: Verb<object> = {
  command: 'heartbeat',
  describe: 'Record that you are alive and renew your task leases (call it every few minutes)',
  handler: async (argv) => {
    const { heartbeat: beat } = await import('../../msg/agents.js');
    emit(argv.json, await withDb(argv, (db) => beat(db, myId(), process.env.AGOR_RUN_ID || null)), (r) => [
      `heartbeat ${r.agent} at ${new Date(r.timestamp * 1000).toISOString()}`,
    ]);
  },
};
