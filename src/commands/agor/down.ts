import { emit } from '../../cli/output.js';
import { type Verb, openFor } from './shared.js';

export const down: Verb<object> = {
  command: 'down',
  describe: 'Stop every agent, then the supervisor',
  handler: async (argv) => {
    const { down: stopAll } = await import('../../supervisor/down.js');
    const { db } = await openFor(argv);
    let r;
    try {
      r = await stopAll(db);
    } finally {
      db.close();
    }
    emit(argv.json, r, (x) =>
      x.supervisor
        ? [`agor: stopped the supervisor (pid ${x.supervisor}) and ${x.stopped} running agent${x.stopped === 1 ? '' : 's'}`]
        : [
            x.stopped
              ? `agor: no supervisor was running; stopped ${x.stopped} agent run${x.stopped === 1 ? '' : 's'} it had left`
              : 'agor: no supervisor is running',
          ],
    );
  },
};
