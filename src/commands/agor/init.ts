import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { emit } from '../../cli/output.js';
import { type FileArgs, type Verb, fileOption } from './shared.js';

export const init: Verb<FileArgs & { force?: boolean }> = {
  command: 'init',
  describe: 'Write a commented example agor.yaml',
  builder: (y) => fileOption(y).option('force', { type: 'boolean', describe: 'Overwrite an existing file' }),
  handler: async (argv) => {
    const [{ EXAMPLE_CONFIG }, { CONFIG_FILE }, { conflict }] = await Promise.all([
      import('../../supervisor/template.js'),
      import('../../supervisor/config.js'),
      import('../../core/errors.js'),
    ]);
    const path = resolve(argv.file ?? CONFIG_FILE);
    if (existsSync(path) && !argv.force) throw conflict(`${path} already exists`, 'pass --force to overwrite it');
    writeFileSync(path, EXAMPLE_CONFIG, { mode: 0o644 });
    emit(argv.json, { file: path }, (r) => [`wrote ${r.file}`, 'next: edit it, then start the group with: agor up -d']);
  },
};
