import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type Verb, messageBlock, messageLine, myId, withDb } from './shared.js';

export const show: Verb<{ id: string }> = {
  command: 'show <id>',
  describe: 'Show a message with its delivery state and thread (changes nothing)',
  builder: (y) => y.positional('id', { type: 'string', describe: 'Message id or unique prefix' }),
  handler: async (argv) => {
    const { show: doShow } = await import('../../msg/messages.js');
    const me = myId();
    emit(argv.json, await withDb(argv, (db) => doShow(db, me, String(argv.id))), (r) => {
      const lines = messageBlock(r.message);
      if (r.thread.length > 1) {
        lines.push('', color().bold(`thread (${r.thread.length} messages)`));
        for (const m of r.thread) lines.push((m.id === r.message.id ? '▶ ' : '  ') + messageLine(m, me));
      }
      return lines;
    });
  },
};
