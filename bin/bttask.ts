#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';
import { commands, completeValues, describe, epilog } from '../src/commands/bttask/index.js';

runCli({ name: 'bttask', describe, commands, epilog, complete: completeValues }, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
