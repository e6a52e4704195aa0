import { resolve } from 'node:path';
import { emit } from '../../cli/output.js';
import { planLines } from '../../supervisor/reload-plan.js';
import type { ReloadResult } from '../../supervisor/reload.js';
import { type FileArgs, type Verb, viaSupervisor } from './shared.js';

interface ReloadArgs extends FileArgs {
  dryRun?: boolean;
}

/** What reload prints: the plan, one line per change, and whether it was applied. */
export const reloadLines = (r: ReloadResult): string[] => [
  r.dry_run ? `agor: would reload ${r.file} (nothing changed: --dry-run)` : `agor: reloaded ${r.file}`,
  ...planLines(r).map((l) => `  ${l}`),
  ...r.errors.map((e) => `  not done: ${e}`),
];

export const reload: Verb<ReloadArgs> = {
  command: 'reload',
  describe: 'Re-read agor.yaml and apply what changed without stopping the team (agents that did not change keep running); SIGHUP to the supervisor does the same',
  builder: (y) =>
    y
      .option('file', {
        alias: 'f',
        type: 'string',
        requiresArg: true,
        describe: 'The agor.yaml to check: the one the supervisor runs (with none running: ./agor.yaml)',
      })
      .option('dry-run', { type: 'boolean', describe: 'Print the plan (what would be added, removed, restarted or updated) and change nothing' }),
  handler: async (argv) => {
    const r = await viaSupervisor(
      argv,
      async (c) => {
        const hello = await c.request<{ config: string }>('hello');
        if (argv.file && resolve(argv.file) !== hello.config) {
          const { usage } = await import('../../core/errors.js');
          throw usage(
            `the supervisor runs ${hello.config}, not ${resolve(argv.file)}`,
            'reload re-reads the file it was started with; to run another: agor down, then agor up -f FILE',
          );
        }
        return c.request<ReloadResult>('reload', { dry_run: argv.dryRun === true });
      },
      async (_db, path) => {
        // Nothing to reload, but the file can still be checked: a bad one says so (exit 2) as it would live.
        const [{ loadConfig }, { notFound }] = await Promise.all([import('../../supervisor/config.js'), import('../../core/errors.js')]);
        const cfg = loadConfig(argv.file);
        throw notFound(`no supervisor is running for ${path} (${cfg.file} is valid)`, 'start one with: agor up -d');
      },
    );
    emit(argv.json, r, reloadLines);
  },
};
