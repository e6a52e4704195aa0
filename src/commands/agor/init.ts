import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { emit, table } from '../../cli/output.js';
import { type FileArgs, type Verb, fileOption } from './shared.js';

interface InitArgs extends FileArgs {
  force?: boolean;
  template?: string;
  list?: boolean;
}

export const init: Verb<InitArgs> = {
  command: 'init',
  describe: 'Write a commented agor.yaml from a template (demo, claude-code, codex, aider, ollama); --list shows them',
  builder: (y) =>
    fileOption(y)
      .option('template', { alias: 't', type: 'string', requiresArg: true, describe: 'The template (default demo; agor init --list shows them)' })
      .option('list', { type: 'boolean', describe: 'List the templates, one a line' })
      .option('force', { type: 'boolean', describe: 'Overwrite existing files' }),
  handler: async (argv) => {
    const [{ TEMPLATES, templateNamed }, { CONFIG_FILE }, { conflict, usage }] = await Promise.all([
      import('../../supervisor/templates/index.js'),
      import('../../supervisor/config.js'),
      import('../../core/errors.js'),
    ]);
    if (argv.list) {
      const rows = TEMPLATES.map((t) => ({ name: t.name, summary: t.summary, files: t.files.map((f) => f.path) }));
      emit(argv.json, rows, (r) => table(r.map((t) => [t.name, t.summary])));
      return;
    }
    const name = argv.template ?? 'demo';
    const t = templateNamed(name);
    if (!t) throw usage(`no template '${name}'`, `give one of: ${TEMPLATES.map((x) => x.name).join(', ')} (agor init --list)`);
    const path = resolve(argv.file ?? CONFIG_FILE);
    // agor.yaml goes where -f says; the files it names go beside it, where its commands look.
    const files = t.files.map((f, i) => ({ ...f, path: i === 0 ? path : join(dirname(path), f.path) }));
    const present = files.filter((f) => existsSync(f.path)).map((f) => f.path);
    if (present.length && !argv.force) throw conflict(`${present.join(', ')} already ${present.length > 1 ? 'exist' : 'exists'}`, 'pass --force to overwrite');
    for (const f of files) writeFileSync(f.path, f.text, { mode: f.mode });
    emit(argv.json, { file: path, template: t.name, files: files.map((f) => f.path) }, (r) => [
      ...r.files.map((f) => `wrote ${f}`),
      ...t.next.map((l, i) => `${i ? '     ' : 'next:'} ${l}`),
    ]);
  },
};
