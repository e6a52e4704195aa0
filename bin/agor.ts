#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';
import { commands, completeValues, describe, epilog, extensions, options } from '../src/commands/agor/index.js';

runCli({ name: 'agor', describe, commands, epilog, options, complete: completeValues, extensions }, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
