import { type Verb, openFor } from './shared.js';

interface DashArgs {
  host?: string[];
  all?: boolean;
  bell?: boolean;
}

export const dash: Verb<DashArgs> = {
  command: 'dash',
  describe: 'Show the dashboard, attached to the running supervisor (q detaches; the agents keep running)',
  builder: (y) =>
    y
      .option('host', {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'Show this host of hosts.yaml (repeatable; local = this machine’s database); several show in one dashboard',
      })
      .option('all', { type: 'boolean', describe: 'Show every host of hosts.yaml, and this machine’s database' })
      .option('bell', { type: 'boolean', default: true, describe: 'Ring the terminal bell on alerts (notify: in agor.yaml); --no-bell mutes it, b toggles it' }),
  handler: async (argv) => {
    const { usage } = await import('../../core/errors.js');
    // Hosts first: an unknown one is an error (exit 3) before the terminal is touched.
    const { dashHosts } = await import('../../tui/hosts.js');
    const hosts = await dashHosts({ names: [argv.host ?? []].flat().map(String), all: !!argv.all });
    if (!process.stdout.isTTY || !process.stdin.isTTY) throw usage('the dashboard needs a terminal', 'agor ps and agor logs -f work without one');
    let path = '';
    if (hosts.some((h) => h.target === null)) {
      // Opens (and migrates) the file first, so a bad path fails here with a clear message.
      const opened = await openFor(argv);
      opened.db.close();
      path = opened.path;
    }
    const { runDashboard } = await import('../../tui/index.js');
    await runDashboard({ dbPath: path, hosts, bell: argv.bell !== false });
  },
};
