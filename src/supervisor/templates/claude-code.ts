// The claude-code template of agor init --template, and the source of examples/ (npm run examples
// writes them; tests/unit/supervisor/templates.test.ts fails when they differ). Edit here.
import { keyringNote, sandboxNote, teamAgents } from './team.js';

/** A headless Claude Code command (claude -p), as a block list under command:; it may run btmsg, bttask, read-only git and `more` without asking. */
const claude = (more: string, acceptEdits: boolean): string =>
  [
    'claude',
    '-p',
    '--model',
    'sonnet',
    ...(acceptEdits ? ['--permission-mode', 'acceptEdits'] : []),
    '--allowedTools',
    `"Bash(btmsg:*),Bash(bttask:*),Bash(agor report:*),Bash(git status),Bash(git log:*),Bash(git diff:*)${more}"`,
    '--output-format',
    'stream-json',
    '--verbose',
  ]
    .map((arg) => `\n      - ${arg}`)
    .join('');

export const CLAUDE_CODE_YAML = `# A team of Claude Code agents: a lead who plans, two developers, and a reviewer.
# agor init --template claude-code writes this file and the files beside it (the same as examples/claude-code/).
#
# Copy this file to the root of your project (the agents work in the directory that holds
# it; or set cwd: on each agent), then:
#   export AGOR_DB=$HOME/team/agor.db    # any directory of yours
#   agor up -d && agor ps
#   agor wake lead --prompt "Plan: add a --json flag to the export command"
#
# Each run is one \`claude -p\` (headless: it runs the prompt and exits), so the agents are
# on-demand: dormant until a message, a task, a review request or a schedule wakes them.
# --output-format stream-json (which needs --verbose) writes progress as it goes, so the
# run's log grows and agor can tell a working agent from a stalled one.
# Permissions: acceptEdits lets Claude edit files without asking; --allowedTools lets it run
# btmsg, bttask, agor report and read-only git without asking; anything else it wants to run
# is refused in -p mode (nobody is there to approve it). Widen the list for your project,
# e.g. "Bash(npm test:*)". The reviewer edits nothing.
# Claude Code checks each command of a pipeline on its own: the prompt's example
# \`git diff --stat | btmsg send lead -\` runs because "Bash(git diff:*)" and "Bash(btmsg:*)"
# are both allowed. For agents to pipe other output into btmsg, allow each command of the
# pipeline, e.g. for \`npm test 2>&1 | tail -n 40 | btmsg send lead -\`:
#   "Bash(btmsg:*),Bash(bttask:*),Bash(agor report:*),Bash(git diff:*),Bash(npm test:*),Bash(tail:*)"

# Claude Code needs its own login or ANTHROPIC_API_KEY in the environment of agor up.
${keyringNote('ANTHROPIC_API_KEY')}
# The standing prompt is examples/PROMPT.md.

${sandboxNote('Claude Code')}
#   write ~/.claude       its settings, login (.credentials.json), sessions, todos
#   write ~/.claude.json  its state, saved at every start. It saves it through a lock and a
#                         temporary file beside it, in your home, which the sandbox refuses;
#                         it then writes the file in place, which several agents at once can
#                         garble. For a team, give the agents a directory of their own:
#                         env: { CLAUDE_CONFIG_DIR: /home/you/.claude-agents } (log in once
#                         with it set), and write: [/home/you/.claude-agents] instead of both.
#   read ~/.gitconfig     git's name and email, for the developers' commits
#   network 443           HTTPS to the API. Ports, not hosts; add 22 for git over ssh, or
#                         your proxy's port.
# claude installed under your home (the native installer's ~/.local/share/claude, or npm
# with a prefix in ~)? Add that directory to read. A path missing when a run starts is left out (with a warning).
# best-effort (the default) runs with what the kernel offers, warns, and agor runs shows
# what was in force; required refuses to start instead (network rules need Linux 6.7).
# See "man 5 agor.yaml", SANDBOX.

group: claude-team
max_concurrent: 4

# Risky shell commands wait for you: approval-hook.mjs (a PreToolUse hook; add settings.json
# of this directory to the agents' .claude/settings.json) asks \`agor approval required\` for
# each Bash call, and for a match blocks in \`agor approval request\` until you run
# \`agor approve ID\` / \`agor deny ID\` or decide in the dashboard. A timeout denies.
approvals:
  required_for: ["rm -rf *", "git push*", "npm publish*"]
  timeout: 10m

${teamAgents({
  command: {
    lead: claude('', true),
    dev1: `&developer-command${claude(',Bash(git add:*),Bash(git commit:*)', true)}`,
    dev2: '*developer-command',
    reviewer: claude(',Bash(git show:*)', false),
  },
  key: 'ANTHROPIC_API_KEY',
  model: 'sonnet',
  sandbox: { anchor: 'claude', what: "The team's sandbox", read: ['~/.gitconfig'], write: ['~/.claude', '~/.claude.json'], network: '{ connect: [443] }' },
})}`;

export const CLAUDE_CODE_HOOK = `#!/usr/bin/env node
// A Claude Code PreToolUse hook that asks the operator before risky shell commands.
//
// Claude Code runs it before each tool call with the call as JSON on stdin. For a Bash
// call whose command matches approvals.required_for of the agent's agor.yaml
// (\`agor approval required\`), it runs \`agor approval request\` and waits for the operator
// (agor approve ID / agor deny ID, the dashboard, or the relay), then answers in Claude
// Code's hook JSON: permissionDecision "allow" (the command runs without a prompt, also in
// -p mode) or "deny" (Claude sees the reason). Anything else gets no answer: Claude Code's
// own permission rules apply as without the hook.
//
// Install: copy it beside agor.yaml and add settings.json of this directory to the agents'
// .claude/settings.json; its "timeout" must exceed approvals.timeout (Claude Code's default
// for a hook is 60 s). Needs agor on PATH, or AGOR_CMD="node /path/to/agor.cjs".
import { spawn } from 'node:child_process';

const agorArgv = (process.env.AGOR_CMD || 'agor').split(/\\s+/).filter(Boolean);

/** Runs agor with \`args\`; resolves with its exit code and stdout. */
function agor(args) {
  return new Promise((resolve) => {
    const child = spawn(agorArgv[0], [...agorArgv.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ code: 127, out, err: String(e) }));
    // Claude Code kills the hook at its timeout: the request is then withdrawn, not left pending.
    for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

function answer(decision, reason) {
  process.stdout.write(
    JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision, permissionDecisionReason: reason } }) + '\\n',
  );
}

/** What a failed agor call said: its JSON error's message, else its first line. */
function failure(r) {
  try {
    return JSON.parse(r.err).error.message;
  } catch {
    return (r.err || r.out).trim().split('\\n')[0];
  }
}

/** The answer for one PreToolUse call, or null to leave it to Claude Code's own rules. */
async function decide(call) {
  const command = call?.tool_name === 'Bash' ? call.tool_input?.command : undefined;
  if (typeof command !== 'string' || !command.trim()) return null;
  // Decided from the JSON, not the exit status alone: anything but a clear answer fails closed.
  const required = await agor(['approval', 'required', '--action', command, '--json']);
  let policy = null;
  try {
    policy = JSON.parse(required.out);
  } catch {
    /* no answer: denied below */
  }
  if (required.code === 1 && policy?.required === false) return null;
  if (required.code !== 0 || policy?.required !== true) return ['deny', \`agor approval required failed: \${failure(required)}\`];
  const detail = typeof call.tool_input.description === 'string' ? ['--detail', call.tool_input.description] : [];
  const r = await agor(['approval', 'request', '--action', command, ...detail, '--json']);
  let d = null;
  try {
    d = JSON.parse(r.out);
  } catch {
    return ['deny', \`agor approval request failed: \${failure(r)}\`];
  }
  const note = d.note ? \`: \${d.note}\` : '';
  if (r.code === 0 && d.status === 'approved') return ['allow', \`approved by \${d.decided_by}\${note} (agor request \${d.id})\`];
  if (d.status === 'timeout') return ['deny', \`no decision within the approval timeout (agor request \${d.id}); do not retry it unasked\`];
  return ['deny', \`\${d.status} by \${d.decided_by}\${note} (agor request \${d.id})\`];
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
let call = null;
try {
  call = JSON.parse(input);
} catch {
  /* not a tool call: no answer */
}
// No process.exit: it could cut off the answer still in the stdout pipe.
const decision = call ? await decide(call) : null;
if (decision) answer(...decision);
`;

export const CLAUDE_CODE_SETTINGS = `{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [{ "type": "command", "command": "node \\"$CLAUDE_PROJECT_DIR\\"/approval-hook.mjs", "timeout": 900 }]
      }
    ]
  }
}
`;
