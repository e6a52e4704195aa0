import { color } from '../../cli/color.js';
import { emit, table } from '../../cli/output.js';
import { parseSince } from '../../core/durations.js';
import type { AuditEntry } from '../../msg/audit.js';
import { type Verb, limitOption, withDb } from './shared.js';

/** The audit log as lines (btmsg audit, agor audit, agor --host H audit). */
export function auditLines(es: AuditEntry[]): string[] {
  if (!es.length) return [color().dim('no audit entries')];
  const c = color();
  return table(
    es.map((e) => [c.dim(String(e.id)), c.dim(e.created_at), c.bold(e.agent), e.type, typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)]),
  );
}

export const audit: Verb<{ agent?: string; type?: string; since?: string; limit: number }> = {
  command: 'audit',
  describe: 'The audit log, newest last',
  builder: (y) =>
    limitOption(
      y
        .option('agent', { type: 'string', requiresArg: true, describe: 'Only entries by this agent' })
        .option('type', { type: 'string', requiresArg: true, describe: 'Only this event type (a trailing * matches a prefix)' })
        .option('since', { type: 'string', requiresArg: true, describe: 'Only entries since a duration ago (1h, 2d) or a date' }),
      50,
      'entries',
    ),
  handler: async (argv) => {
    const { auditLog } = await import('../../msg/audit.js');
    const since = argv.since !== undefined ? parseSince(argv.since) : undefined;
    const data = await withDb(argv, (db) => auditLog(db, { agent: argv.agent, type: argv.type, since, limit: argv.limit }));
    emit(argv.json, data, auditLines);
  },
};
