import type { Db } from '../../db/open.js';
import type { RunScrubberFor } from '../../supervisor/logview.js';
import { type Verb, openFor, warnOnStderr } from './shared.js';

export interface LogsArgs {
  agent: string;
  follow?: boolean;
  run?: string;
  lines: string;
  raw?: boolean;
}

/**
 * How logs prints an agent's output: JSON lines; with --raw the text as written; else the
 * readable form (Claude Code's and Codex's JSON lines rendered, any other line as written)
 * with control characters shown.
 */
export async function logPrinter(o: { json?: boolean; raw?: boolean }): Promise<(agent: string, run: string | null, text: string) => void> {
  const { safeJson, showControls } = await import('../../core/text.js');
  if (o.json)
    return (agent, run, text) =>
      process.stdout.write(
        text
          .replace(/\n$/, '')
          .split('\n')
          .map((line) => safeJson({ agent, run, line }) + '\n')
          .join(''),
      );
  if (o.raw) return (_a, _r, text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  const [{ renderLogLines }, { color }] = await Promise.all([import('../../supervisor/logrender.js'), import('../../cli/color.js')]);
  const c = color();
  const paint = { error: c.red, tool: c.cyan, muted: c.dim, result: c.green };
  return (_a, _r, text) => {
    // An agent's log holds whatever its tools printed: shown, never obeyed.
    const out = renderLogLines(text.replace(/\n$/, '').split('\n')).map((l) => (l.tone ? paint[l.tone](showControls(l.text)) : showControls(l.text)));
    if (out.length) process.stdout.write(out.join('\n') + '\n');
  };
}

/** --lines as a number from 0 to 100000. */
export async function linesOf(lines: string): Promise<number> {
  const n = Number(lines);
  if (!Number.isInteger(n) || n < 0 || n > 100_000)
    throw (await import('../../core/errors.js')).usage(`invalid --lines '${lines}'`, 'give a whole number from 0 to 100000');
  return n;
}

export const logs: Verb<LogsArgs> = {
  command: 'logs <agent>',
  describe: "An agent's output, Claude Code and Codex JSON lines made readable: the last lines of its latest run (or --run ID); -f follows, into later runs too",
  builder: (y) =>
    y
      .positional('agent', { type: 'string', demandOption: true, describe: 'The agent' })
      .option('follow', { alias: 'f', type: 'boolean', describe: 'Keep printing new output until interrupted' })
      .option('run', { type: 'string', requiresArg: true, describe: 'A run id or prefix (agor runs lists them)' })
      .option('lines', { alias: 'n', type: 'string', requiresArg: true, default: '50', describe: 'How many lines to show first' })
      .option('raw', {
        type: 'boolean',
        describe: 'Print the lines as written: JSON transcripts unrendered, escape sequences included (else shown as ^[ and <U+XXXX>)',
      }),
  handler: async (argv) => {
    const n = await linesOf(argv.lines);
    const [{ followLogs }, print] = await Promise.all([import('../../supervisor/logview.js'), logPrinter(argv)]);
    const { db } = await openFor(argv);
    const scrubFor = await offlineScrubbers(db, argv.agent, !!argv.follow);
    await followLogs(db, { agent: argv.agent, run: argv.run, lines: n, follow: !!argv.follow, scrubFor }, print);
  },
};

/**
 * Without a supervisor, the scrubber of each run read: its own secrets, read again from
 * the keyring its record names, and the token shapes. The keyring library is loaded only
 * when a run of the agent was given secrets (or a later one may be: following), and the
 * keyring opened only for such a run; one that cannot be reached leaves the token shapes,
 * said once on stderr.
 */
async function offlineScrubbers(db: Db, agent: string, follow: boolean): Promise<RunScrubberFor | undefined> {
  const { agentHadSecrets } = await import('../../db/runs.js');
  if (!follow && !agentHadSecrets(db, agent)) return undefined;
  const { RunScrubberCache, keyringOpener } = await import('../../secrets/scrub-run.js');
  const open = await keyringOpener();
  const cache = new RunScrubberCache(open, (err) => {
    const e = err as Error & { hint?: string };
    warnOnStderr(`secret values are not scrubbed, only token shapes: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  });
  return (run, group) => cache.forRun(run, group);
}
