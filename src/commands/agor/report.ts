import { emit } from '../../cli/output.js';
import type { ReportInput } from '../../supervisor/report.js';
import { type Verb, openFor } from './shared.js';

const BLOCK_REASONS = ['captcha', 'login_wall', 'rate_limit', 'fraud_check', 'other'] as const;

type ReportArgs = ReportInput & { run?: string };

export const report: Verb<ReportArgs> = {
  command: 'report',
  describe: 'From a running agent: report its outcome (partial, blocked), tokens, cost, turns, tool calls, context use',
  builder: (y) =>
    y
      .option('run', { type: 'string', requiresArg: true, describe: 'The run (default: $AGOR_RUN_ID)' })
      .option('outcome', { type: 'string', choices: ['success', 'partial', 'blocked'], requiresArg: true, describe: 'How the run went' })
      .option('reason', { type: 'string', choices: [...BLOCK_REASONS], requiresArg: true, describe: 'What blocked it (with --outcome blocked)' })
      .option('evidence', { type: 'string', requiresArg: true, describe: 'Text or URL showing the block or the partial result' })
      .option('tokens-in', { type: 'string', requiresArg: true, describe: 'Input tokens used so far' })
      .option('tokens-out', { type: 'string', requiresArg: true, describe: 'Output tokens used so far' })
      .option('cost', { type: 'string', requiresArg: true, describe: 'Cost so far, in US dollars' })
      .option('turns', { type: 'string', requiresArg: true, describe: 'Turns so far' })
      .option('tool-calls', { type: 'string', requiresArg: true, describe: 'Tool calls so far' })
      .option('context', { type: 'string', requiresArg: true, describe: 'Context window in use: 0.83 or 83%' }),
  handler: async (argv) => {
    const { reportForRun } = await import('../../supervisor/report.js');
    const { clockFromEnv } = await import('../../supervisor/clock.js');
    const { db } = await openFor(argv);
    try {
      const r = reportForRun(db, argv.run ?? process.env.AGOR_RUN_ID, argv, undefined, clockFromEnv().now());
      emit(argv.json, r, (x) => [`reported for run ${x.id.slice(0, 8)} of ${x.agent}${x.reported_outcome ? `: ${x.reported_outcome}` : ''}`]);
    } finally {
      db.close();
    }
  },
};
