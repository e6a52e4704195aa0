#!/usr/bin/env node
import { runCli } from '../src/cli/run.js';
import { commands, describe, epilog, withVerb } from '../src/commands/relay/index.js';

runCli({ name: 'agor-relay', describe, commands, epilog }, withVerb(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
