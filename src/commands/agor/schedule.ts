import { existsSync } from 'node:fs';
import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { type FileArgs, type Verb, fileOption, openFor } from './shared.js';

export const schedule: Verb<FileArgs & { action: string }> = {
  command: 'schedule <action>',
  describe: 'schedule list: the cron schedules of agor.yaml with their last and next runs',
  builder: (y) => fileOption(y.positional('action', { type: 'string', choices: ['list'], demandOption: true, describe: 'list' })),
  handler: async (argv) => {
    const [{ loadConfig }, { scheduleKey, nextSlot }, { scheduleState, getSupervisor }, { clockFromEnv }] = await Promise.all([
      import('../../supervisor/config.js'),
      import('../../supervisor/schedule.js'),
      import('../../db/runs.js'),
      import('../../supervisor/clock.js'),
    ]);
    const { db } = await openFor(argv);
    try {
      // Without -f and without ./agor.yaml, the file the running supervisor was started with.
      const file = argv.file ?? (existsSync('agor.yaml') ? undefined : (getSupervisor(db)?.config ?? undefined));
      const cfg = loadConfig(file);
      const now = clockFromEnv().now();
      const rows = cfg.agents.flatMap((a) =>
        a.schedules.map((s) => {
          const st = scheduleState(db, a.id, scheduleKey(s));
          const last = st && st.fired > 0 ? st.last_fired_at : null;
          return {
            agent: a.id,
            cron: s.cron,
            tz: s.tz,
            prompt: s.prompt,
            timeout_s: Math.round(s.timeoutMs / 1000),
            last_fired_at: last === null ? null : new Date(last).toISOString(),
            fired: st?.fired ?? 0,
            next_at: new Date(nextSlot(s, now)).toISOString(),
          };
        }),
      );
      emit(argv.json, rows, (rs) => {
        const c = color();
        if (!rs.length) return [c.dim(`no schedules in ${cfg.file}`)];
        return table([
          ['AGENT', 'CRON', 'TZ', 'NEXT', 'LAST', 'TIMEOUT', 'PROMPT'].map((h) => c.bold(h)),
          ...rs.map((r) => [r.agent, r.cron, r.tz, r.next_at.slice(0, 16).replace('T', ' ') + 'Z', r.last_fired_at ? r.last_fired_at.slice(0, 16).replace('T', ' ') + 'Z' : '-', `${r.timeout_s}s`, r.prompt.slice(0, 40)]),
        ]);
      });
    } finally {
      db.close();
    }
  },
};
