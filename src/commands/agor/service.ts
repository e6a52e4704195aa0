import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { emit } from '../../cli/output.js';
import { conflict, notFound, usage } from '../../core/errors.js';
import { type FileArgs, type Verb, dbPathOf, fileOption } from './shared.js';

interface ScopeArgs extends FileArgs {
  user?: boolean;
  system?: boolean;
}

const scopeOptions = <T>(y: Argv<T>) =>
  fileOption(y)
    .option('user', { type: 'boolean', describe: "The invoking user's systemd (~/.config/systemd/user; the default)" })
    .option('system', { type: 'boolean', describe: "The system's systemd (/etc/systemd/system; needs root), running as the invoking user" });

function scopeOf(argv: ScopeArgs): 'user' | 'system' {
  if (argv.user && argv.system) throw usage('--user and --system exclude each other', 'give one of them');
  return argv.system ? 'system' : 'user';
}

const lines = (scope: string, ...cmds: string[]) => cmds.map((c) => (scope === 'user' ? c.replace(/\bsystemctl /g, 'systemctl --user ') : c));

const install: Verb<ScopeArgs & { dryRun?: boolean; force?: boolean }> = {
  command: 'install',
  describe: 'Write a systemd unit that runs the supervisor of this agor.yaml and database (agor-GROUP.service)',
  builder: (y) =>
    scopeOptions(y)
      .option('dry-run', { type: 'boolean', describe: 'Print the unit and where it would go; write nothing' })
      .option('force', { type: 'boolean', describe: 'Replace a different unit of the same name' }),
  handler: async (argv) => {
    const scope = scopeOf(argv);
    const [{ loadConfig }, { SUPERVISOR_FLAGS }, svc] = await Promise.all([
      import('../../supervisor/config.js'),
      import('../../supervisor/up.js'),
      import('../../supervisor/service.js'),
    ]);
    // A unit for a file agor up would refuse would only fail later, in the journal.
    const config = loadConfig(argv.file);
    const name = svc.unitName(config.group);
    const file = join(svc.unitDir(scope), name);
    const unit = svc.unitText({
      group: config.group,
      configFile: config.file,
      dbPath: await dbPathOf(argv),
      node: process.execPath,
      // The real file agor runs from, not a symlink on PATH that a reinstall may move.
      script: realpathSync(process.argv[1]!),
      nodeFlags: SUPERVISOR_FLAGS,
      workdir: dirname(config.file),
      path: (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .filter((d, i, all) => isAbsolute(d) && all.indexOf(d) === i)
        .join(delimiter),
      scope,
      user: scope === 'system' ? process.env.SUDO_USER || userInfo().username : undefined,
    });
    const enable = svc.enableLines(scope, name);
    if (argv.dryRun) {
      emit(argv.json, { file, unit, written: false, next: enable }, (r) => [`# ${r.file} (not written: --dry-run)`, ...r.unit.trimEnd().split('\n')]);
      return;
    }
    const old = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (old !== undefined && old !== unit && !argv.force)
      throw conflict(`${file} exists and differs`, `agor service install --force replaces it (agor service install --dry-run shows the new one)`);
    if (old !== unit) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, unit, { mode: 0o644 });
    }
    emit(argv.json, { file, unit: name, written: old !== unit, next: enable }, (r) => [
      r.written ? `wrote ${r.file}` : `${r.file} is already up to date`,
      'next:',
      ...r.next.map((l) => `  ${l}`),
    ]);
  },
};

const uninstall: Verb<ScopeArgs> = {
  command: 'uninstall',
  describe: "Remove the supervisor's systemd unit written by agor service install, and its enablement",
  builder: (y) => scopeOptions(y),
  handler: async (argv) => {
    const scope = scopeOf(argv);
    const [{ yamlTeam }, svc] = await Promise.all([import('../../cli/completion-values.js'), import('../../supervisor/service.js')]);
    // Only the group is needed: a file that no longer validates must not keep its unit.
    const configFile = resolve(argv.file ?? 'agor.yaml');
    const { group } = await yamlTeam(configFile);
    if (!group) throw usage(`cannot read the group of ${configFile}`, 'run it in the directory of agor.yaml, or pass -f');
    const name = svc.unitName(group);
    const dir = svc.unitDir(scope);
    const file = join(dir, name);
    if (!existsSync(file)) throw notFound(`no unit ${file}`, scope === 'user' ? 'agor service uninstall --system removes a system unit' : undefined);
    // What `systemctl enable` made: links in the .wants directory of the target.
    const wanted = join(dir, `${scope === 'system' ? 'multi-user' : 'default'}.target.wants`, name);
    let linkRemoved = false;
    try {
      if (lstatSync(wanted).isSymbolicLink()) {
        unlinkSync(wanted);
        linkRemoved = true;
      }
    } catch {
      // Not enabled.
    }
    unlinkSync(file);
    const next = lines(scope, `systemctl stop ${name}; systemctl daemon-reload`);
    emit(argv.json, { file, unit: name, disabled: linkRemoved, next }, (r) => [
      `removed ${r.file}${r.disabled ? ' (and disabled it)' : ''}`,
      'next, to stop a running supervisor and forget the unit:',
      ...r.next.map((l) => `  ${l}`),
    ]);
  },
};

export const service: Verb<object> = {
  command: 'service',
  describe: 'Run the supervisor as a systemd service: install or uninstall its unit',
  builder: (y) => y.command([install, uninstall] as never).demandCommand(1, 'service needs a verb: install or uninstall'),
  handler: () => undefined,
};
