#!/usr/bin/env node
// The main job, out of the box: runs the demo team of examples/demo/agor.yaml under the agor
// supervisor. No AI service, no network: the agents are small sh scripts that use btmsg and
// bttask for real.
//
//   node scripts/demo.mjs [--db PATH] [--headless] [-d]
//
// The database is --db PATH, else $AGOR_DB, else a fresh agor.db in a new directory under the
// OS temp dir. Then it runs `node dist/agor.cjs up -f examples/demo/agor.yaml --db DB` with
// this terminal, passing --headless and -d through, and exits with its exit status.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AGOR = join(ROOT, 'dist', 'agor.cjs');
const CONFIG = join(ROOT, 'examples', 'demo', 'agor.yaml');

const USAGE = `usage: node scripts/demo.mjs [--db PATH] [--headless] [-d]

Runs the agor demo team (examples/demo/agor.yaml): a manager, a reviewer and three
workers, as sh scripts that use btmsg and bttask. No AI service and no network needed.
The agents run in agor's default sandbox (see examples/demo/README.md).

  --db PATH     the database (default: $AGOR_DB, else a fresh one under ${tmpdir()})
  --headless    print the supervisor's event log (for systemd or a pipe)
  -d, --detach  run the supervisor in the background; stop it with agor down
  -h, --help    this help

Knobs for the agents, from the environment (see examples/demo/README.md):
  DEMO_STEP, DEMO_LEASE, DEMO_CRASH_EVERY, DEMO_STALL_EVERY, DEMO_STALL_SECS, DEMO_REJECT_EVERY
`;

function fail(message, code = 2) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(code);
}

let db = null;
const pass = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-h' || a === '--help') {
    process.stdout.write(USAGE);
    process.exit(0);
  } else if (a === '--db') {
    if (i + 1 >= args.length || args[i + 1] === '') fail('--db needs a path');
    db = args[++i];
  } else if (a.startsWith('--db=')) {
    db = a.slice('--db='.length);
    if (!db) fail('--db needs a path');
  } else if (a === '--headless') {
    pass.push('--headless');
  } else if (a === '-d' || a === '--detach') {
    pass.push('-d');
  } else {
    fail(`unknown option '${a}'\n${USAGE}`);
  }
}

if (!existsSync(AGOR)) fail(`${AGOR} is missing: build first with npm run build (after npm ci)`, 1);

const kept = db !== null || Boolean(process.env.AGOR_DB);
// A fresh directory is not removed at the end: the team may still run in it (after q or -d),
// and its logs are worth reading. Say so, and where.
db = resolve(db ?? process.env.AGOR_DB ?? join(mkdtempSync(join(tmpdir(), 'agor-demo-')), 'agor.db'));
// Paths as the user can type them from here.
const rel = (p) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
};
const agorCmd = `node ${rel(AGOR)}`;
process.stdout.write(
  `demo database: ${db}${kept ? '' : ' (set AGOR_DB to keep one)'}\n` +
    `watch it from another terminal:\n` +
    `  export AGOR_DB=${db}\n` +
    `  ${agorCmd} ps        # the agents\n` +
    `  ${agorCmd} runs      # runs, outcomes, tokens and cost\n` +
    `  BTMSG_AGENT_ID=admin node ${rel(join(ROOT, 'dist', 'bttask.cjs'))} board\n` +
    `  BTMSG_AGENT_ID=admin node ${rel(join(ROOT, 'dist', 'btmsg.cjs'))} feed\n` +
    (pass.includes('-d') ? `stop it with: ${agorCmd} down --db ${db}\n` : `stop it with Ctrl-C\n`),
);

// The agents run `node` (examples/demo/bin wraps dist/*.cjs): make it this node.
const env = { ...process.env };
const nodeDir = dirname(process.execPath);
if (!(env.PATH ?? '').split(delimiter).includes(nodeDir)) env.PATH = [nodeDir, env.PATH].filter(Boolean).join(delimiter);
delete env.AGOR_DB; // agor is given --db; the agents get AGOR_DB from agor.

const child = spawn(process.execPath, [AGOR, 'up', '-f', CONFIG, '--db', db, ...pass], { stdio: 'inherit', env });

// Ctrl-C reaches agor too (same terminal, same process group): let agor shut down the team
// and report its own status. A signal sent to this process alone is passed on; a hang-up
// (the terminal closed) as SIGTERM, since SIGHUP makes agor reload agor.yaml, not stop.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (sig !== 'SIGINT' || !process.stdin.isTTY) child.kill(sig === 'SIGHUP' ? 'SIGTERM' : sig);
  });
}
child.on('error', (e) => fail(`cannot run agor: ${e.message}`, 1));
child.on('exit', (code, signal) => {
  if (!kept) {
    const dir = dirname(db);
    process.stdout.write(
      `demo: the demo's files are kept in ${dir} (database and agent logs);\n` + `      once the team is stopped, remove them with: rm -r ${dir}\n`,
    );
  }
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
