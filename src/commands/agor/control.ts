import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import type { AgentView } from '../../supervisor/protocol.js';
import { type Verb, agentsPositional, requireKnownAgents, viaSupervisor } from './shared.js';

export type ControlOp = 'start' | 'stop' | 'restart';

const DESCRIBE: Record<ControlOp, string> = {
  start: 'Start agents (an on-demand agent runs once now); clears a failed state',
  stop: 'Stop agents: SIGTERM to their process group, SIGKILL after stop_grace; they stay stopped',
  restart: 'Stop and start agents again; clears a failed state and the restart count',
};

/** What start, stop and restart print: each agent's state after acting. */
export const controlLines = (vs: AgentView[]): string[] => vs.map((v) => `${color().bold(v.id)}: ${v.state} (${v.health})${v.pid ? `, pid ${v.pid}` : ''}`);

/** start, stop and restart: the same shape, one control-socket op each. */
function controlVerb(op: ControlOp): Verb<{ agents: string[] }> {
  return {
    command: `${op} <agents..>`,
    describe: DESCRIBE[op],
    builder: (y) => agentsPositional(y),
    handler: async (argv) => {
      const views = await viaSupervisor(
        argv,
        (c) => c.request<AgentView[]>(op, { agents: argv.agents }),
        async (db, path) => {
          await requireKnownAgents(db, argv.agents);
          const { UserError } = await import('../../core/errors.js');
          throw new UserError(`no supervisor is running for ${path}`, 'start one with: agor up -d');
        },
      );
      emit(argv.json, views, controlLines);
    },
  };
}

export const start = controlVerb('start');
export const stop = controlVerb('stop');
export const restart = controlVerb('restart');
