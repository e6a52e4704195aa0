import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { type FileArgs, type Verb, fileOption, openFor } from './shared.js';

export const schedule: Verb<FileArgs & { action: string }> = {
  command: 'schedule <action>',
  describe: 'schedule list: the cron schedules of agor.yaml with their last and next runs',
  builder: (y) => fileOption(y.positional('action', { type: 'string', choices: ['list'], demandOption: true, describe: 'list' })),
  handler: async (argv) => {
    const { listSchedules } = await import('../../supervisor/schedule.js');
    const { db } = await openFor(argv);
    let list;
    try {
      list = listSchedules(db, { file: argv.file });
    } finally {
      db.close();
    }
    const { file, schedules } = list;
    emit(argv.json, schedules, (rs) => {
      const c = color();
      if (!rs.length) return [c.dim(`no schedules in ${file}`)];
      return table([
        ['AGENT', 'CRON', 'TZ', 'NEXT', 'LAST', 'TIMEOUT', 'PROMPT'].map((h) => c.bold(h)),
        ...rs.map((r) => [
          r.agent,
          r.cron,
          r.tz,
          r.next_at.slice(0, 16).replace('T', ' ') + 'Z',
          r.last_fired_at ? r.last_fired_at.slice(0, 16).replace('T', ' ') + 'Z' : '-',
          `${r.timeout_s}s`,
          r.prompt.slice(0, 40),
        ]),
      ]);
    });
  },
};
