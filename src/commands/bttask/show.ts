import { color } from '../../cli/color.js';
import { emit, shortId } from '../../cli/output.js';
import { type Verb, flagMark, flagWarning, myId, stateLabel, taskHeader, withBoard } from './shared.js';

export const show: Verb<{ id: string }> = {
  command: 'show <id>',
  describe: 'A task with its dependencies, sub-tasks, lease and comments',
  builder: (y) => y.positional('id', { type: 'string' }),
  handler: async (argv) => {
    const b = await import('../../task/board.js');
    const d = await withBoard(argv, (db) => b.show(db, myId(), String(argv.id)));
    emit(argv.json, d, (x) => {
      const c = color();
      const lines = taskHeader(x.task);
      const ref = (r: { id: string; title: string; status: string }) => `  ${shortId(r.id)} ${stateLabel(r.status)} ${r.title}`;
      if (x.depends_on.length) lines.push(c.dim(`depends on${x.ready ? '' : ' (not all done)'}`), ...x.depends_on.map(ref));
      if (x.dependents.length) lines.push(c.dim('needed by'), ...x.dependents.map(ref));
      if (x.children.length) lines.push(c.dim('sub-tasks'), ...x.children.map(ref));
      if (x.task.description) lines.push('', x.task.description);
      if (x.comments.length) {
        lines.push('', c.dim(`comments (${x.comments.length})`));
        for (const k of x.comments)
          lines.push(`${c.dim(k.created_at.slice(5, 16))} ${c.bold(k.agent)}${k.flags.length ? ' ' + flagMark(k.flags).trimEnd() : ''}: ${k.content}`);
        const warn = flagWarning([...new Set(x.comments.flatMap((k) => k.flags))], 'the comments marked ⚠');
        if (warn) lines.push(warn);
      }
      return lines;
    });
  },
};
