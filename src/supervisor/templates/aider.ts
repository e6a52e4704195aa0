// The aider template of agor init --template, and the source of examples/ (npm run examples
// writes them; tests/unit/supervisor/templates.test.ts fails when they differ). Edit here.
import { keyringNote, sandboxNote, workerAgents } from './team.js';
import { SH_HEARTBEATS, SH_TAKE_TASK, shPrelude } from './wrapper.js';

export const AIDER_YAML = `# Two aider developers; you (the operator, admin) fill the board and review.
# agor init --template aider writes this file and aider-agent.sh (the same as examples/aider/).
#
# aider edits files and commits; it does not run btmsg or bttask itself. aider-agent.sh,
# beside this file, does that part around it: it claims a task, runs
#   aider --yes-always --message "<standing prompt + task>"
# with heartbeats, and hands the task in for review with aider's commits as a comment.
# Copy both files to the root of your project (a git repository), then:
#   export AGOR_DB=$HOME/team/agor.db
#   agor up -d
#   BTMSG_AGENT_ID=admin bttask add "Add a --json flag to export" -d "..." --assign dev1
# The assignment messages dev1, which wakes it. Unassigned tasks are claimed at the next
# schedule (every 15 minutes in working hours) or when you wake one: agor wake dev2.
# Review as the operator: BTMSG_AGENT_ID=admin bttask list -s review, then
# bttask status ID done, or bttask status ID progress --comment "what to change".
# aider reads its model and API keys from its usual places (AIDER_MODEL, ANTHROPIC_API_KEY
# or OPENAI_API_KEY in the environment of agor up, .aider.conf.yml).
${keyringNote('ANTHROPIC_API_KEY (or OPENAI_API_KEY, and name that one below)')}

${sandboxNote('aider')}
#   write ~/.aider        its caches, analytics and install records (make it first if aider
#                         has never run: mkdir ~/.aider; a path must exist before the run)
#   read ~/.gitconfig     git's name and email, for aider's commits
#   network 443           HTTPS to the model's API. Ports, not hosts; a model served on this
#                         machine needs its port too (Ollama: 11434).
# The settings and keys aider reads from your home, if you keep them there, need reading
# too: add ~/.aider.conf.yml, ~/.aider.model.settings.yml or ~/.env to read (the copies in
# this directory are already allowed). aider itself, installed under your home (pipx in
# ~/.local/share/pipx or ~/.local/pipx, uv in ~/.local/share/uv), needs that directory
# in read as well; the wrapper script is the agent's program, so agor does not find aider
# for you. See "man 5 agor.yaml", SANDBOX.

group: aider-team
max_concurrent: 2

${workerAgents({
  prefix: 'dev',
  title: 'Developer',
  script: 'aider-agent.sh',
  key: 'ANTHROPIC_API_KEY',
  env: '{ AIDER_AGENT_MANAGER: admin }',
  timeout: '30m',
  sandbox: { anchor: 'aider', what: "The team's sandbox", read: ['~/.gitconfig'], write: ['~/.aider'], network: '{ connect: [443] }' },
  prompt: {
    anchor: 'developer',
    text: `You are a developer on a small team; a person reviews your work. Make the change the
task below asks for, in this repository, in small commits with clear messages. Keep to
the task: do not rewrite unrelated code. If the task is unclear or impossible, change
nothing and say why in your reply.`,
  },
})}`;

export const AIDER_SCRIPT = `#!/bin/sh
# One run of an aider developer under agor.
#
# aider edits files and commits them; it does not run btmsg or bttask itself (even with
# --yes-always it does not run the shell commands it suggests). So this wrapper does the
# team's side of the work and hands aider only the task:
#   read the inbox (printed to the run's log, acknowledged); take a task the reviewer sent
#   back, else claim the next ready one (none: exit 0); run
#   aider --yes-always --message "<standing prompt + task + review comments>"
#   while a background loop sends btmsg heartbeat (which renews the task's lease); then
#   comment with aider's last commit and hand the task in for review, and tell the manager.
#   When aider fails, the task is given back (bttask release) with a comment, and the run
#   exits with aider's status, so that agor classifies the failure (an invalid API key is
#   not retried; a rate limit is, with backoff).
#
# Environment: what agor sets (AGOR_DB, BTMSG_AGENT_ID, AGOR_RUN_ID, AGOR_PROMPT with
# prompt_via: env), plus AIDER_AGENT_MANAGER (whom to tell; default admin, the operator) and
# aider's own settings (AIDER_MODEL, API keys, .aider.conf.yml).
# Needs btmsg, bttask and agor on PATH (npm link), and node (which they run on).

${shPrelude('manager=${AIDER_AGENT_MANAGER:-admin}')}

btmsg heartbeat >/dev/null
btmsg inbox --json | json '$.map((m) => m.id + " " + m.from + " " + m.content.replace(/\\s+/g, " "))' |
  while read -r id from text; do
    echo "mail from $from: $text"
    btmsg ack "$id" >/dev/null
  done

${SH_TAKE_TASK}
if [ -z "$task" ]; then
  echo "nothing ready to claim"
  exit 0
fi
detail=$(bttask show "$task" --json)
title=$(printf '%s' "$detail" | json '$.task.title')
short=$(printf '%.8s' "$task")
echo "working on $short: $title"

message=$(printf '%s' "$detail" | json '[
  process.env.AGOR_PROMPT || "",
  "Your task (" + $.task.id.slice(0, 8) + "): " + $.task.title,
  $.task.description,
  ...$.comments.filter((c) => c.agent !== process.env.BTMSG_AGENT_ID).map((c) => "Comment by " + c.agent + ": " + c.content),
].filter(Boolean).join("\\n\\n")')

${SH_HEARTBEATS}
trap 'kill "$beat" 2>/dev/null' EXIT

before=$(git rev-parse HEAD 2>/dev/null || true)
aider --yes-always --message "$message"
rc=$?
kill "$beat" 2>/dev/null

if [ "$rc" -ne 0 ]; then
  bttask comment "$task" "aider exited with status $rc; giving the task back. Its output is in agor logs $me." >/dev/null
  bttask release "$task" >/dev/null
  btmsg send "$manager" "$me: aider failed on $short \\"$title\\" (exit $rc); task released" >/dev/null
  exit "$rc"
fi

after=$(git rev-parse HEAD 2>/dev/null || true)
if [ -n "$after" ] && [ "$after" != "$before" ]; then
  commits=$(git log --oneline "\${before:+$before..}$after" | head -n 20)
  note="aider committed:
$commits"
else
  note="aider finished without a commit; see agor logs $me"
fi
printf '%s\\n' "$note" | bttask comment "$task" - >/dev/null
bttask status "$task" review >/dev/null
btmsg send "$manager" "$me: $short \\"$title\\" is ready for review" >/dev/null
echo "handed $short in for review"
`;
