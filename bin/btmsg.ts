#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';
import { commands, describe } from '../src/commands/btmsg/index.js';

runCli({ name: 'btmsg', describe, commands }, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
