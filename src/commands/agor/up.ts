import { emit } from '../../cli/output.js';
import { type FileArgs, type Verb, dbPathOf, fileOption, selfCommand, shellWord, warnOnStderr } from './shared.js';

interface UpArgs extends FileArgs {
  headless?: boolean;
  detach?: boolean;
  bell?: boolean;
}

export const up: Verb<UpArgs> = {
  command: 'up',
  describe: 'Start the supervisor for the group in agor.yaml: on a terminal with the dashboard, else in the foreground; -d detaches',
  builder: (y) =>
    fileOption(y)
      .option('headless', { type: 'boolean', describe: 'Stay in the foreground printing a log of events, no dashboard (for systemd)' })
      .option('detach', { alias: 'd', type: 'boolean', describe: 'Run in the background; return once the supervisor is ready' })
      .option('bell', { type: 'boolean', default: true, describe: 'Ring the terminal bell on alerts (notify: in agor.yaml); --no-bell mutes it, b toggles it' }),
  handler: async (argv) => {
    const { startSupervisor, detachSupervisor } = await import('../../supervisor/up.js');
    // On a terminal: the supervisor goes to the background and the dashboard attaches to
    // it, so that leaving the dashboard (q) leaves the agents running.
    const dashboard = !argv.detach && !argv.headless && !argv.json && process.stdout.isTTY && process.stdin.isTTY;
    if (dashboard) {
      const r = await detachSupervisor({ file: argv.file, db: argv.db, warn: warnOnStderr });
      const { runDashboard } = await import('../../tui/index.js');
      await runDashboard({ dbPath: await dbPathOf(argv), bell: argv.bell !== false });
      const where = argv.db ? ` --db ${shellWord(argv.db)}` : '';
      const { isSameProcess, procStat } = await import('../../supervisor/proc.js');
      const alive = isSameProcess(r.pid, procStat(r.pid)?.starttime ?? null);
      const agor = selfCommand();
      process.stdout.write(
        alive
          ? `agor: left the dashboard; the supervisor keeps running (pid ${r.pid}). ${agor} dash${where} comes back, ${agor} down${where} stops it.\n`
          : `agor: left the dashboard; the supervisor (pid ${r.pid}) is no longer running. ${agor} ps${where} shows what is left, ${agor} down${where} stops it.\n`,
      );
      return;
    }
    if (argv.detach) {
      const r = await detachSupervisor({ file: argv.file, db: argv.db, warn: warnOnStderr });
      emit(argv.json, r, (x) => [`agor: supervisor started (pid ${x.pid}) for ${x.group}; log: ${x.log}`]);
      return;
    }
    const { inertJson, showControls } = await import('../../core/text.js');
    // A closed terminal must not take the supervisor down with it.
    process.stdout.on('error', () => undefined);
    // --json: the events as JSON lines on stdout, and nothing else there.
    const line = argv.json
      ? (l: string) => void process.stdout.write(inertJson(l) + '\n')
      : (l: string) => void process.stdout.write(`${new Date().toISOString()} ${showControls(l)}\n`);
    await startSupervisor(
      { file: argv.file, db: argv.db, warn: warnOnStderr },
      argv.json
        ? { log: () => undefined, events: (ev) => line(JSON.stringify(ev)), survived: (l) => void process.stderr.write(l + '\n') }
        : { log: line, survived: line },
    );
  },
};
