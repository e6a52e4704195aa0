import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { showControls } from '../../core/text.js';
import type { Db } from '../../db/open.js';
import type { WhyReport } from '../../supervisor/why.js';
import { duration } from './ps.js';
import { type Verb, openFor, warnOnStderr } from './shared.js';

/** The agent's text, shown inert (its control characters as ^[ and <U+XXXX>). */
const inert = (s: string) => showControls(s);

/** `agor why` for people (local, or from a relay with --host). */
export function whyLines(w: WhyReport): string[] {
  const c = color();
  const out: string[] = [];
  if (w.current) {
    const ago = Math.max(0, Math.round((Date.now() - Date.parse(w.current.started_at)) / 1000));
    out.push(`${c.bold(w.agent)} is running: run ${w.current.id.slice(0, 8)}, started ${duration(ago)} ago`);
  }
  const r = w.run;
  if (!r) {
    if (!w.current) out.push(`${c.bold(w.agent)} has no runs yet${w.state ? ` (state ${w.state})` : ''}`);
  } else {
    const bad = r.outcome === 'failed' || r.outcome === 'timeout';
    const outcome = `${r.outcome ?? 'unknown'}${r.error_class ? ` (${r.error_class})` : ''}`;
    const ended = r.ended_at ? `${duration(Math.max(0, Math.round((Date.now() - Date.parse(r.ended_at)) / 1000)))} ago` : '';
    out.push(
      `${w.current ? 'its last ended run' : `${c.bold(w.agent)}: last run`} ${r.id.slice(0, 8)} ${bad ? c.red.bold(outcome) : r.outcome === 'success' ? c.green(outcome) : c.yellow(outcome)}` +
        `${w.exit ? `, ${w.exit}` : ''}${ended ? `, ended ${ended}` : ''}${r.duration_s !== null ? ` after ${duration(r.duration_s)}` : ''}`,
    );
    if (r.note) out.push(`note:      ${inert(r.note.replace(/\n/g, ' '))}`);
    if (r.last_line) out.push(`last line: ${inert(r.last_line)}`);
    if (r.log_path) out.push(c.dim(`log:       ${r.log_path}`));
    if (w.lines.length) {
      out.push('', c.bold(`last ${w.lines.length} line${w.lines.length === 1 ? '' : 's'} of output:`));
      for (const l of w.lines) out.push(`  ${inert(l)}`);
    } else out.push('', c.dim('no output recorded'));
  }
  out.push('', c.bold('what to do:'));
  for (const n of w.next) out.push(`  ${inert(n)}`);
  return out;
}

/** The keyring names the agent's agor.yaml hands it: from the supervisor's config, else ./agor.yaml; null when neither reads. */
async function secretNames(db: Db, agent: string): Promise<string[] | null> {
  const [{ getSupervisor }, { loadConfig }] = await Promise.all([import('../../db/runs.js'), import('../../supervisor/config.js')]);
  for (const file of [getSupervisor(db)?.config ?? null, undefined]) {
    try {
      if (file === null) continue;
      const a = loadConfig(file ?? undefined).agents.find((x) => x.id === agent);
      if (a) return a.secrets.map((s) => s.from);
    } catch {
      // No readable config here: the run's record of its secrets is used instead.
    }
  }
  return null;
}

export const why: Verb<{ agent: string }> = {
  command: 'why <agent>',
  describe: "Why an agent's last run ended as it did: outcome, error class, exit, its last lines of output, and what to do next",
  builder: (y) => y.positional('agent', { type: 'string', demandOption: true, describe: 'The agent' }),
  handler: async (argv) => {
    const [{ whyReport }, { agentHadSecrets }, { scrubShapes }] = await Promise.all([
      import('../../supervisor/why.js'),
      import('../../db/runs.js'),
      import('../../secrets/scrub.js'),
    ]);
    const { db } = await openFor(argv);
    try {
      let scrubFor: Parameters<typeof whyReport>[2]['scrubFor'] = () => scrubShapes;
      if (agentHadSecrets(db, argv.agent)) {
        // Its runs' own secret values, read again from the keyring, as agor logs does.
        const { RunScrubberCache, keyringOpener } = await import('../../secrets/scrub-run.js');
        const cache = new RunScrubberCache(await keyringOpener(), (err) =>
          warnOnStderr(`secret values are not scrubbed, only token shapes: ${(err as Error).message}`),
        );
        scrubFor = (run, group) => cache.forRun(run, group);
      }
      const report = whyReport(db, argv.agent, { scrubFor, secretNames: await secretNames(db, argv.agent) });
      emit(argv.json, report, whyLines);
    } finally {
      db.close();
    }
  },
};
