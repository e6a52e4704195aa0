#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';
import { commands, describe, epilog, options } from '../src/commands/agor/index.js';

runCli({ name: 'agor', describe, commands, epilog, options }, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
