import { type Verb, openFor } from './shared.js';

export const dash: Verb<object> = {
  command: 'dash',
  describe: 'Show the dashboard, attached to the running supervisor (q detaches; the agents keep running)',
  handler: async (argv) => {
    const { usage } = await import('../../core/errors.js');
    if (!process.stdout.isTTY || !process.stdin.isTTY) throw usage('the dashboard needs a terminal', 'agor ps and agor logs -f work without one');
    // Opens (and migrates) the file first, so a bad path fails here with a clear message.
    const { db, path } = await openFor(argv);
    db.close();
    const { runDashboard } = await import('../../tui/index.js');
    await runDashboard({ dbPath: path });
  },
};
