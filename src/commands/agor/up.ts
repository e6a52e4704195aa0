import { emit } from '../../cli/output.js';
import { type FileArgs, type Verb, fileOption } from './shared.js';

interface UpArgs extends FileArgs {
  headless?: boolean;
  detach?: boolean;
}

export const up: Verb<UpArgs> = {
  command: 'up',
  describe: 'Start the supervisor for the group in agor.yaml (foreground; -d detaches)',
  builder: (y) =>
    fileOption(y)
      .option('headless', { type: 'boolean', describe: 'Print a log of events instead of the dashboard (for systemd)' })
      .option('detach', { alias: 'd', type: 'boolean', describe: 'Run in the background; return once the supervisor is ready' }),
  handler: async (argv) => {
    const { startSupervisor, detachSupervisor } = await import('../../supervisor/up.js');
    if (argv.detach) {
      const r = await detachSupervisor({ file: argv.file, db: argv.db });
      emit(argv.json, r, (x) => [`agor: supervisor started (pid ${x.pid}) for ${x.group}; log: ${x.log}`]);
      return;
    }
    await startSupervisor({ file: argv.file, db: argv.db, json: argv.json });
  },
};
