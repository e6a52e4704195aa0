import { color } from '../../cli/color.js';
import { agoSeconds, emit, table } from '../../cli/output.js';
import { usage } from '../../core/errors.js';
import { myId } from '../../core/identity.js';
import type { ConflictView } from '../../supervisor/conflict-list.js';
import { type Verb, withDb } from './shared.js';

const KIND: Record<string, string> = { overlap: 'overlap', external: 'external', merge: 'merge' };

const ack: Verb<{ id: string; note?: string }> = {
  command: 'ack <id>',
  describe: 'Acknowledge a conflict: it stops raising attention until a new write to one of its files',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'Conflict id (agor conflicts)' })
      .option('note', { type: 'string', requiresArg: true, describe: 'Why, kept with the conflict and in the audit log' }),
  handler: async (argv) => {
    const id = Number(argv.id);
    if (!Number.isInteger(id) || id < 1) throw usage(`invalid conflict id '${argv.id}'`, 'agor conflicts shows the ids');
    const { ackConflictAs } = await import('../../supervisor/conflict-list.js');
    const view = await withDb(argv, (db) => ackConflictAs(db, id, myId(), argv.note ?? null));
    emit(argv.json, view, (v) => [`conflict ${v.id} acknowledged${v.acked_by ? ` by ${v.acked_by}` : ''}`]);
  },
};

/** `agor conflicts [--all]`, and `agor conflicts ack ID`. */
export const conflicts: Verb<{ all?: boolean }> = {
  command: 'conflicts',
  describe: "Agents' work that collides: two agents changing one file, writes from no agent, worktrees that would not merge (ack ID silences one)",
  builder: (y) =>
    y.command([ack] as never).option('all', { alias: 'a', type: 'boolean', global: false, describe: 'Resolved conflicts too (the newest 1000 of every status)' }),
  handler: async (argv) => {
    const { conflictViews, quotePath } = await import('../../supervisor/conflict-list.js');
    const rows = await withDb(argv, (db) => conflictViews(db, { all: argv.all }));
    emit(argv.json, rows, (rs: ConflictView[]) => {
      const c = color();
      if (!rs.length) return [c.dim(argv.all ? 'no conflicts' : 'no open conflicts')];
      const now = Date.now();
      return table([
        ['ID', 'KIND', 'AGENTS', 'FILES', 'FIRST SEEN', 'STATUS'].map((h) => c.bold(h)),
        ...rs.map((r) => [
          String(r.id),
          KIND[r.kind] ?? r.kind,
          r.agents.join(',') || '-',
          r.files.map(quotePath).join(' '),
          agoSeconds(Math.round((now - Date.parse(r.first_seen)) / 1000)),
          r.status === 'open' ? c.red('open') : r.status === 'acked' ? `acked${r.acked_by ? ` (${r.acked_by})` : ''}` : c.dim(r.status),
        ]),
      ]);
    });
  },
};
