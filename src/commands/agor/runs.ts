import { color } from '../../cli/color.js';
import { showControls } from '../../core/text.js';
import { emit, table } from '../../cli/output.js';
import type { RunView } from '../../supervisor/views.js';
import { duration } from './ps.js';
import { type Verb, limitOption, withDb } from './shared.js';

/** Why a run did not succeed, in a few words: its note's last line, else its output's (the agent's text, shown inert). */
function whyOf(r: RunView): string {
  if (r.outcome === null || r.outcome === 'success' || r.outcome === 'cancelled') return '';
  const why =
    (r.note ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .at(-1) ??
    r.last_line ??
    '';
  const shown = showControls(why.trim());
  return shown.length > 60 ? shown.slice(0, 59) + '…' : shown;
}

/** `agor runs` as a table (local, or from a relay with --host). */
export function runLines(rs: RunView[]): string[] {
  const c = color();
  if (!rs.length) return [c.dim('no runs yet')];
  const tint = (o: string | null) => (o === 'success' ? c.green(o) : o === 'failed' || o === 'timeout' ? c.red(o) : o === null ? c.cyan('running') : c.yellow(o));
  return table([
    ['RUN', 'AGENT', '#', 'STARTED', 'TOOK', 'OUTCOME', 'EXIT', 'ERROR', 'WAKE', 'TOKENS', 'COST', 'WHY'].map((h) => c.bold(h)),
    ...rs.map((r) => [
      r.id.slice(0, 8),
      r.agent,
      String(r.incarnation),
      r.started_at.slice(0, 19).replace('T', ' '),
      duration(r.duration_s),
      tint(r.outcome),
      r.signal ?? (r.exit_code === null ? '-' : String(r.exit_code)),
      r.error_class ?? '-',
      r.wake_reason ?? '-',
      r.tokens_in === null && r.tokens_out === null ? '-' : String((r.tokens_in ?? 0) + (r.tokens_out ?? 0)),
      r.cost_usd === null ? '-' : `$${r.cost_usd.toFixed(2)}`,
      whyOf(r),
    ]),
  ]);
}

export const runs: Verb<{ agent?: string; limit: number }> = {
  command: 'runs [agent]',
  describe: 'Run history with outcomes, newest first',
  builder: (y) => limitOption(y.positional('agent', { type: 'string', describe: 'Only this agent' }), 20, 'runs'),
  handler: async (argv) => {
    const { runHistory } = await import('../../supervisor/history.js');
    const rows = await withDb(argv, (db) => runHistory(db, { agent: argv.agent, limit: argv.limit }));
    emit(argv.json, rows, runLines);
  },
};
