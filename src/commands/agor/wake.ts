import { emit } from '../../cli/output.js';
import { myId } from '../../cli/verb.js';
import { type Verb, openFor } from './shared.js';

export interface WakeArgs {
  agent: string;
  reason?: string;
  prompt?: string;
  timeout?: string;
}

export const wake: Verb<WakeArgs> = {
  command: 'wake <agent>',
  describe: 'Queue a wake for an agent (for cron, scripts, webhooks); kept until a supervisor delivers it',
  builder: (y) =>
    y
      .positional('agent', { type: 'string', demandOption: true, describe: 'The agent to wake' })
      .option('reason', { type: 'string', requiresArg: true, describe: 'Why (shown to the agent and in agor runs)' })
      .option('prompt', { type: 'string', requiresArg: true, describe: 'Text for the run to start with' })
      .option('timeout', { type: 'string', requiresArg: true, describe: "Wall clock for the run (e.g. 20m); default: the agent's timeout" }),
  handler: async (argv) => {
    const [{ parseDuration }, { queueWake, WAKE_TIMEOUT_MIN_MS, WAKE_TIMEOUT_MAX_MS }, { liveSupervisor }] = await Promise.all([
      import('../../core/durations.js'),
      import('../../supervisor/wake.js'),
      import('../../supervisor/client.js'),
    ]);
    const timeoutMs = argv.timeout !== undefined ? parseDuration(argv.timeout, 'timeout') * 1000 : null;
    if (timeoutMs !== null && (timeoutMs < WAKE_TIMEOUT_MIN_MS || timeoutMs > WAKE_TIMEOUT_MAX_MS)) {
      const { usage } = await import('../../core/errors.js');
      throw usage(`invalid timeout '${argv.timeout}'`, 'give from 1s to 7d');
    }
    const { db, path } = await openFor(argv);
    try {
      // The caller is the agent named by BTMSG_AGENT_ID (or AGOR_AGENT), else the operator.
      const w = queueWake(db, { agent: argv.agent, reason: 'manual', detail: argv.reason ?? null, prompt: argv.prompt ?? null, timeoutMs, by: myId() });
      const live = liveSupervisor(db) !== null;
      emit(argv.json, { ...w, supervisor_running: live }, (r) => [
        `queued wake #${r.id} for ${r.agent}`,
        ...(r.flags ? [`  flagged as a possible prompt injection (${r.flags}): the agent is told so, and the audit log records it`] : []),
        live ? '  the supervisor delivers it now (or after the current run)' : `  no supervisor is running for ${path}: it waits for agor up`,
      ]);
    } finally {
      db.close();
    }
  },
};
