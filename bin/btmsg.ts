#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';
import { commands, completeValues, describe, epilog } from '../src/commands/btmsg/index.js';

runCli({ name: 'btmsg', describe, commands, epilog, complete: completeValues }, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
