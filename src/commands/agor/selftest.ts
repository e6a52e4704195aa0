import { color } from '../../cli/color.js';
import { printJson, printLines } from '../../cli/output.js';
import { showControls } from '../../core/text.js';
import { usage } from '../../core/errors.js';
import type { CheckResult, SelftestReport } from '../../supervisor/selftest.js';
import type { Verb } from './shared.js';

export interface SelftestArgs {
  claimers: number;
  tasks: number;
  races: number;
  senders: number;
  messages: number;
  keep?: boolean;
  'allow-skip'?: boolean;
}

const count = (what: string, dflt: number, max: number, describe: string) => ({
  type: 'string' as const,
  requiresArg: true,
  default: dflt,
  describe,
  coerce: (v: unknown) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw usage(`invalid --${what} '${String(v)}'`, `give a whole number from 1 to ${max}`);
    return n;
  },
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One verdict line: PASS/FAIL/SKIP, the check, why, and its figures. */
function line(c: CheckResult): string {
  const k = color();
  const tag = c.verdict === 'pass' ? k.green('PASS') : c.verdict === 'fail' ? k.red('FAIL') : k.yellow('SKIP');
  const { processes, duration_ms, ...rest } = c.figures;
  const figures = [`${processes} processes`, seconds(Number(duration_ms)), ...Object.entries(rest).map(([key, v]) => `${key} ${v}`)];
  return `${tag} ${c.name.padEnd(8)} ${showControls(c.detail)}\n     ${k.dim(showControls(figures.join(', ')))}`;
}

function summary(r: SelftestReport, allowSkip: boolean): string[] {
  const k = color();
  const n = (v: CheckResult['verdict']) => r.checks.filter((c) => c.verdict === v).length;
  const lines = [`${n('pass')} passed, ${n('fail')} failed, ${n('skip')} skipped in ${seconds(r.duration_ms)}`];
  if (r.kept) lines.push(`kept the test databases in ${showControls(r.kept)}`);
  if (r.interrupted) lines.push(k.red('interrupted: every process the self-test started was stopped'));
  else if (r.ok)
    lines.push(
      k.green(n('skip') ? 'every check that could run here holds (skips allowed by --allow-skip)' : 'every check holds: agor can be trusted with a team here'),
    );
  else if (n('fail')) lines.push(k.red('some checks failed (see above): do not trust agor with a team on this machine until they pass'));
  else if (!allowSkip) lines.push(k.yellow('a check was skipped, so the self-test is not a pass: fix what it names, or accept it with --allow-skip'));
  return lines;
}

export const selftest: Verb<SelftestArgs> = {
  command: 'selftest',
  describe: 'Check on a temporary database that claims, messages, leases and the sandbox hold on this machine',
  builder: (y) =>
    y
      .option('claimers', count('claimers', 8, 256, 'Parallel claimers racing over the tasks'))
      .option('tasks', count('tasks', 200, 100000, 'Tasks the claimers take'))
      .option('races', count('races', 20, 10000, 'Two-way races for one task'))
      .option('senders', count('senders', 16, 256, 'Concurrent message senders'))
      .option('messages', count('messages', 20, 10000, 'Messages each sender sends'))
      .option('keep', { type: 'boolean', describe: 'Keep the temporary directory with its databases' })
      .option('allow-skip', { type: 'boolean', describe: 'Exit 0 when no check failed though some were skipped (e.g. no Landlock)' })
      .epilog(
        'Runs real btmsg, bttask and agor-sandbox processes on databases in a fresh temporary directory: --db and AGOR_DB are ignored, the user database is never opened. Exit 0 when every check passes; 1 when one fails, or is skipped without --allow-skip.',
      ),
  handler: async (argv) => {
    const { selftest: run } = await import('../../supervisor/selftest.js');
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const allowSkip = argv['allow-skip'] === true;
    try {
      const report = await run({
        claimers: argv.claimers,
        tasks: argv.tasks,
        races: argv.races,
        senders: argv.senders,
        messages: argv.messages,
        keep: argv.keep === true,
        allowSkip,
        signal: abort.signal,
        onCheck: argv.json ? undefined : (c) => printLines([line(c)]),
      });
      if (argv.json) printJson(report);
      else printLines(summary(report, allowSkip));
      process.exitCode = report.interrupted ? 130 : report.ok ? 0 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
