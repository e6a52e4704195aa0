#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';
import { commands, describe } from '../src/commands/bttask/index.js';

runCli({ name: 'bttask', describe, commands }, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
