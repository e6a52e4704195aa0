import { Box } from 'ink';
import type { FleetAgent } from '../source.js';
import type { RunView } from '../../supervisor/views.js';
import { count, dayTime, duration, money, sparkline } from '../format.js';
import { useTheme } from '../hooks/useTheme.js';
import { OUTCOME_TONE, STATE_TONE } from '../theme.js';
import { Block, Line, type Piece, type Seg, cell } from './Line.js';

/** A list of agents to choose from (Runs and Logs), the chosen one marked. */
export function AgentList({ agents, selected, width, height }: { agents: FleetAgent[]; selected: string | null; width: number; height: number }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[cell(`AGENTS ${t.g.upDown}`, width, e, { bold: true, tone: 'muted' })]} />
      {agents.map((a) => {
        const sel = a.id === selected;
        return (
          <Line
            key={a.id}
            segs={[
              { text: sel ? t.g.cursor : ' ', tone: 'accent', bold: true },
              { text: t.dot(a.state), tone: STATE_TONE[a.state] },
              ' ',
              cell(t.text(a.id), Math.max(1, width - 4), e, { bold: sel }),
            ]}
          />
        );
      })}
    </Box>
  );
}

const tokensOf = (r: RunView): number | null => (r.tokens_in === null && r.tokens_out === null ? null : (r.tokens_in ?? 0) + (r.tokens_out ?? 0));

/** Cost, tokens and duration of the last runs as sparklines, oldest on the left. */
export function RunSparklines({ runs, width }: { runs: RunView[]; width: number }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  const n = Math.max(1, Math.min(runs.length, width - 30));
  // Runs come newest first; a sparkline reads left to right, oldest to newest.
  const last = runs.slice(0, n).reverse();
  const rows: [string, (number | null)[], (v: number | null) => string][] = [
    ['cost', last.map((r) => r.cost_usd), money],
    ['tokens', last.map(tokensOf), count],
    ['duration', last.map((r) => r.duration_s), duration],
  ];
  return (
    <Box flexDirection="column">
      {rows.map(([name, values, f]) => {
        const known = values.filter((v): v is number => v !== null);
        const summary = known.length ? `last ${f(known[known.length - 1]!)}  max ${f(Math.max(...known))}` : 'not reported';
        return (
          <Line
            key={name}
            segs={[
              cell(name, 9, e, { tone: 'muted' }),
              { text: sparkline(values, t.g.spark), tone: 'info' },
              ' ',
              cell(summary, Math.max(1, width - 10 - n), e, { tone: 'muted' }),
            ]}
          />
        );
      })}
    </Box>
  );
}

/** The runs of one agent, newest first. */
export function RunsTable({ runs, width }: { runs: RunView[]; width: number }) {
  const t = useTheme();
  const e = t.g.ellipsis;
  const reason = Math.max(6, width - 12 - 8 - 10 - 8 - 8 - 6);
  const head: Seg[] = [
    cell('STARTED', 12, e),
    cell('DUR', 8, e),
    cell('OUTCOME', 10, e),
    cell('TOKENS', 8, e),
    cell('COST', 8, e),
    cell('EXIT', 6, e),
    cell('WAKE', reason, e),
  ].map((s) => ({
    ...s,
    bold: true,
    tone: 'muted' as const,
  }));
  return (
    <Box flexDirection="column">
      <Line segs={head} />
      <Block
        rows={runs.map((r): Piece[] => {
          const outcome = r.outcome ?? (r.ended_at ? '?' : 'running');
          const exit = r.signal ?? (r.exit_code === null ? '-' : String(r.exit_code));
          // A run that did not succeed says why: its note, else the last line of its output.
          const said = r.outcome && r.outcome !== 'success' && r.outcome !== 'cancelled' ? (r.note ?? r.last_line) : r.note;
          const why = [r.wake_reason, r.error_class, said]
            .filter(Boolean)
            .map((s) => t.text(s))
            .join(' ');
          return [
            cell(dayTime(r.started_at), 12, e),
            cell(duration(r.duration_s), 8, e),
            cell(outcome, 10, e, { tone: r.outcome ? OUTCOME_TONE[r.outcome] : 'ok' }),
            cell(count(tokensOf(r)), 8, e),
            cell(money(r.cost_usd), 8, e),
            cell(exit, 6, e),
            cell(why || '-', reason, e, { tone: 'muted' }),
          ];
        })}
      />
    </Box>
  );
}
