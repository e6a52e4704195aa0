import { emit } from '../../cli/output.js';
import { type Verb, openFor } from './shared.js';

export const down: Verb<object> = {
  command: 'down',
  describe: 'Stop every agent, then the supervisor',
  handler: async (argv) => {
    const [{ signalSupervisor, stopSupervisor, stopUnsupervised }, { ControlClient, liveSupervisor }] = await Promise.all([
      import('../../supervisor/down.js'),
      import('../../supervisor/client.js'),
    ]);
    const { db } = await openFor(argv);
    let r;
    try {
      const sup = liveSupervisor(db);
      if (!sup) r = await stopUnsupervised(db);
      else {
        // A supervisor whose socket is gone (removed, or never made) is stopped by its pid.
        const c = await ControlClient.connect(sup.socket).catch(() => null);
        if (!c) r = await signalSupervisor(db, sup);
        else {
          try {
            r = await stopSupervisor(c, db);
          } finally {
            c.close();
          }
        }
      }
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
