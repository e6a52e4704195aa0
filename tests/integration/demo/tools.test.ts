// The example configs for real agent tools, run for real under agor with stand-ins for the
// tools: each stand-in records how agor called it and does what the real tool would be
// asked to do with btmsg and bttask, so the plumbing (command line, prompt, environment,
// PATH, the aider and ollama wrappers) is checked end to end.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { type RunResult, json, runAsync } from '../../helpers/cli.js';
import { type Group, type RunView, group, waitFor } from '../agor/fixture.js';
import { EXAMPLES, cleanEnv, promptPart, scratchHome } from './helpers.js';

interface Task {
  id: string;
  status: string;
  assigned_to: string | null;
}
interface Detail {
  task: Task;
  comments: { agent: string; content: string }[];
}

const ok = <T>(r: RunResult, what: string): T => {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return json<T>(r);
};
const words = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The environment of `agor up` for these tests: stand-ins first on PATH, then this clone's
 * btmsg, bttask and agor (as npm link would give them), then the system.
 */
function toolEnv(g: Group, tools: Record<string, string>): Record<string, string | undefined> {
  const bin = join(g.dir, 'tools');
  mkdirSync(bin, { recursive: true });
  for (const [name, script] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const env = cleanEnv({
    GIT_AUTHOR_NAME: 'Stub',
    GIT_AUTHOR_EMAIL: 'stub@example.invalid',
    GIT_COMMITTER_NAME: 'Stub',
    GIT_COMMITTER_EMAIL: 'stub@example.invalid',
  });
  env.PATH = [bin, join(EXAMPLES, 'demo', 'bin'), env.PATH].join(delimiter);
  // The home the examples' sandboxes draw on (~/.claude, ~/.codex, ...), not the real one.
  env.HOME = scratchHome(g.dir);
  return env;
}

/** A stand-in for claude or codex: records its argv and stdin, then claims a task and hands it in, as the prompt asks. */
const AGENTIC = `
out="$(dirname "$AGOR_DB")/argv.$BTMSG_AGENT_ID"
for a in "$@"; do printf '%s\\0' "$a"; done >"$out"
cat >"$out.stdin"
task=$(bttask claim --json) || exit 0
id=$(printf '%s' "$task" | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).id))')
btmsg heartbeat >/dev/null
bttask comment "$id" "stand-in was here" >/dev/null
bttask status "$id" review >/dev/null
agor report --tokens-in 1234 --tokens-out 56 --cost 0.01 >/dev/null
`;

async function upWith(g: Group, file: string, env: Record<string, string | undefined>) {
  const up = await g.agor(['up', '-d', '-f', file], { env, timeout: 40_000 });
  expect(up.code, up.stderr).toBe(0);
}

const admin = (g: Group, env: Record<string, string | undefined>) => (args: string[]) =>
  runAsync('bttask', [...args, '--json', '--db', g.db], { env: { ...env, BTMSG_AGENT_ID: 'admin' }, timeout: 20_000 });

async function waitForReview(g: Group, env: Record<string, string | undefined>, id: string): Promise<Detail> {
  return waitFor(
    `task ${id.slice(0, 8)} to reach review`,
    async () => ok<Detail>(await admin(g, env)(['show', id]), 'bttask show'),
    (d) => d.task.status === 'review',
    { timeout: 30_000, interval: 250 },
  );
}

const argvOf = (g: Group, agent: string) =>
  readFileSync(join(dirname(g.db), `argv.${agent}`), 'utf8')
    .split('\0')
    .slice(0, -1);

test.for([
  ['claude-code', 'claude'],
  ['codex', 'codex'],
] as const)(
  '%s/agor.yaml: agor runs %s with the standing prompt, and the agent reaches btmsg and bttask',
  { timeout: 60_000 },
  async ([dir, tool], { onTestFinished }) => {
    const g = group(onTestFinished);
    const env = toolEnv(g, { [tool]: AGENTIC });
    await upWith(g, join(EXAMPLES, dir, 'agor.yaml'), env);
    const add = ok<Task>(await admin(g, env)(['add', 'Write the changelog', '--assign', 'dev1']), 'bttask add');

    const detail = await waitForReview(g, env, add.id);
    expect(detail.task.assigned_to).toBe('dev1');
    expect(detail.comments.map((c) => [c.agent, c.content])).toContainEqual(['dev1', 'stand-in was here']);

    const argv = argvOf(g, 'dev1');
    // The prompt comes on stdin, never in argv (which /proc/PID/cmdline shows to everyone).
    const prompt = readFileSync(join(dirname(g.db), 'argv.dev1.stdin'), 'utf8');
    expect(argv.some((a) => a.includes('started by agor'))).toBe(false);
    expect(words(prompt)).toContain(words(promptPart('prompt')));
    expect(prompt).toMatch(/task/i); // why it was woken: the assignment
    if (tool === 'claude') {
      expect(argv.slice(0, 2)).toEqual(['-p', '--model']);
      expect(argv).toContain('acceptEdits');
    } else {
      expect(argv).toEqual(['exec', '--skip-git-repo-check', '--sandbox', 'workspace-write', '--add-dir', dirname(g.db), '--json', '-']);
    }
    // The stand-in reports after handing in: wait for its run to end.
    await waitFor(
      'the run of dev1 to end in success with its report',
      async () => ok<RunView[]>(await g.agor(['runs', 'dev1', '--json'], { env }), 'agor runs'),
      (runs) => runs.some((r) => r.outcome === 'success' && r.tokens_in === 1234 && r.cost_usd === 0.01),
      { timeout: 10_000, interval: 200 },
    );
    expect((await g.agor(['down'], { env })).code).toBe(0);
  },
);

/** A git repository with a copy of an example (agor.yaml and its wrapper), as its README says. */
function project(g: Group, dir: string, script: string): string {
  const p = join(g.dir, 'project');
  mkdirSync(p);
  copyFileSync(join(EXAMPLES, dir, 'agor.yaml'), join(p, 'agor.yaml'));
  copyFileSync(join(EXAMPLES, dir, script), join(p, script));
  return p;
}

test('aider/agor.yaml: aider-agent.sh claims the task, runs aider with it, comments its commit and hands it in', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  // The stand-in does what aider does with --message: edits a file and commits it.
  const env = toolEnv(g, {
    aider: `for a in "$@"; do printf '%s\\0' "$a"; done >"$(dirname "$AGOR_DB")/argv.$BTMSG_AGENT_ID"
echo "hello" >hello.txt && git add hello.txt && git commit -q -m "Add hello.txt"`,
  });
  const p = project(g, 'aider', 'aider-agent.sh');
  execFileSync('git', ['init', '-q'], { cwd: p, env: env as NodeJS.ProcessEnv });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'start'], { cwd: p, env: env as NodeJS.ProcessEnv });
  await upWith(g, join(p, 'agor.yaml'), env);
  const add = ok<Task>(await admin(g, env)(['add', 'Add a hello file', '-d', 'hello.txt with a greeting', '--assign', 'dev1']), 'bttask add');

  const detail = await waitForReview(g, env, add.id);
  expect(detail.comments.at(-1)).toMatchObject({ agent: 'dev1', content: expect.stringMatching(/^aider committed:\n[0-9a-f]+ Add hello.txt$/) });
  const argv = argvOf(g, 'dev1');
  expect(argv.slice(0, 2)).toEqual(['--yes-always', '--message']);
  expect(argv[2]).toContain('You are a developer on a small team');
  expect(argv[2]).toContain(`Your task (${add.id.slice(0, 8)}): Add a hello file\n\nhello.txt with a greeting`);
  expect(existsSync(join(p, 'hello.txt'))).toBe(true);
  // The wrapper tells the manager (here the operator) after handing in.
  await waitFor(
    'dev1 to tell admin',
    async () =>
      ok<{ from: string; content: string }[]>(
        await runAsync('btmsg', ['inbox', '--json', '--db', g.db], { env: { ...env, BTMSG_AGENT_ID: 'admin' } }),
        'btmsg inbox',
      ),
    (mail) => mail.some((m) => m.from === 'dev1' && m.content === `dev1: ${add.id.slice(0, 8)} "Add a hello file" is ready for review`),
    { timeout: 10_000, interval: 200 },
  );
  expect((await g.agor(['down'], { env })).code).toBe(0);
}, 60_000);

test('ollama/agor.yaml: ollama-agent.sh gives the model the task on stdin and acts on its TELL and DONE lines only', async ({ onTestFinished }) => {
  const g = group(onTestFinished);
  // The model's answer: the work, a line that must not run, a message, DONE.
  const env = toolEnv(g, {
    ollama: `printf '%s\\n' "$*" >"$(dirname "$AGOR_DB")/argv.$BTMSG_AGENT_ID"
cat >"$(dirname "$AGOR_DB")/stdin.$BTMSG_AGENT_ID"
echo "Release notes: faster start-up, fewer bugs."
echo 'touch "$(dirname "$AGOR_DB")/ran"'
echo "TELL admin: the notes are drafted"
echo "DONE"`,
  });
  const p = project(g, 'ollama', 'ollama-agent.sh');
  await upWith(g, join(p, 'agor.yaml'), env);
  const add = ok<Task>(await admin(g, env)(['add', 'Draft release notes', '-d', 'from CHANGES.md', '--assign', 'writer1']), 'bttask add');

  const detail = await waitForReview(g, env, add.id);
  expect(detail.comments.at(-1)?.content).toContain('Release notes: faster start-up, fewer bugs.');
  expect(readFileSync(join(dirname(g.db), 'argv.writer1'), 'utf8')).toBe('run llama3.2\n');
  const stdin = readFileSync(join(dirname(g.db), 'stdin.writer1'), 'utf8');
  expect(stdin).toContain('You are a writer on a small team');
  expect(stdin).toContain(`Your task (${add.id.slice(0, 8)}): Draft release notes\n\nfrom CHANGES.md`);
  expect(existsSync(join(dirname(g.db), 'ran'))).toBe(false);
  const mail = ok<{ from: string; content: string }[]>(
    await runAsync('btmsg', ['inbox', '--json', '--db', g.db], { env: { ...env, BTMSG_AGENT_ID: 'admin' } }),
    'btmsg inbox',
  );
  expect(mail.map((m) => [m.from, m.content])).toContainEqual(['writer1', 'the notes are drafted']);
  expect((await g.agor(['down'], { env })).code).toBe(0);
}, 60_000);
