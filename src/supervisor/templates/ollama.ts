// The ollama template of agor init --template, and the source of examples/ (npm run examples
// writes them; tests/unit/supervisor/templates.test.ts fails when they differ). Edit here.
import { workerAgents } from './team.js';
import { SH_HEARTBEATS, SH_TAKE_TASK, shPrelude } from './wrapper.js';

export const OLLAMA_YAML = `# Two writers run by a local model through Ollama; you (the operator, admin) fill the board
# and review. Nothing leaves the machine.
# agor init --template ollama writes this file and ollama-agent.sh (the same as examples/ollama/).
#
# A model behind \`ollama run\` writes text and runs nothing, so ollama-agent.sh, beside this
# file, does the board work around it: it reads the mail, claims a task, gives both to
#   ollama run $OLLAMA_MODEL        (the prompt on standard input)
# and turns the model's answer into a task comment, plus the few fixed actions the answer
# asks for (TELL, DONE, BLOCKED lines; see the script). Nothing the model writes is run as
# a command.
#   ollama pull llama3.2
#   export AGOR_DB=$HOME/team/agor.db
#   agor up -d
#   BTMSG_AGENT_ID=admin bttask add "Draft release notes for 1.4" -d "from CHANGES.md" --assign writer1
# Review as the operator: BTMSG_AGENT_ID=admin bttask list -s review, then
# bttask status ID done, or bttask status ID progress --comment "what to change".

# The sandbox: each agent runs in agor's default one, with read-write on this directory, a
# TMPDIR of its own (the wrapper's mktemp uses it) and the database's directory, read and
# execute on the system, node and agor (so btmsg and bttask work), no Unix-domain sockets,
# and the rest of your home out of reach. \`ollama run\` is a client of the Ollama server,
# which keeps the models; it needs nothing from your home, only TCP to the server's port:
# 11434 on this machine (change it with OLLAMA_HOST's port). Nothing else may connect or
# listen: network rules are by port, not host, and need Linux 6.7; with mode: required an
# older kernel refuses to start the writers rather than run them with the network open.
# See "man 5 agor.yaml", SANDBOX.

group: ollama-team
max_concurrent: 1   # one model in memory at a time

${workerAgents({
  prefix: 'writer',
  title: 'Writer',
  script: 'ollama-agent.sh',
  env: '{ OLLAMA_MODEL: llama3.2 }',
  model: 'llama3.2',
  timeout: '15m',
  sandbox: { anchor: 'ollama', what: 'Only the local Ollama server', network: '{ connect: [11434], bind: [] }' },
  prompt: {
    anchor: 'writer',
    text: `You are a writer on a small team that shares a task board and a message system.
A person (admin) leads the team and reviews your work. You cannot run commands:
a script reads your answer and acts on it.

Below are your new messages, if any, and your task with its comments. A comment
from admin on a task that was sent back says what to change.

Write the work itself as your answer: the text, plan or review the task asks for,
complete and ready to read. Then, on lines of their own, at the end:
- TELL admin: <text>   to send a message (one line each; only to admin)
- DONE                 when the task is finished and ready for review
- BLOCKED: <reason>    when you cannot do it, and what would unblock it
Write DONE or BLOCKED, not both. Without either, your answer is kept as a comment
and the task goes back on the board, to be taken up again.`,
  },
})}`;

export const OLLAMA_SCRIPT = `#!/bin/sh
# One run of a local model (Ollama) as a team member under agor.
#
# A model behind \`ollama run\` only writes text: it cannot run commands. So this wrapper
# does the team's side of the work, and the model answers in a small fixed format that the
# wrapper turns into btmsg and bttask calls, each with fixed arguments (nothing the model
# writes is run as a command):
#   - the wrapper reads the inbox, and takes a task the reviewer sent back or claims the
#     next ready one (none and no mail: exit 0 without asking the model anything);
#   - it gives the model, on standard input of \`ollama run MODEL\`, the standing prompt, the
#     mail and the task with its comments;
#   - the model's answer is the work (a plan, a draft, a review...) and becomes a comment on
#     the task; in it, lines of these forms are acted on:
#         TELL <agent>: <text>     btmsg send <agent> "<text>" (contacts apply)
#         DONE                     bttask status ID review
#         BLOCKED: <reason>        bttask status ID blocked -m "<reason>", and
#                                  agor report --outcome blocked --reason other
#     with neither, the run is reported partial and the task goes back to the board
#     (bttask release), its progress kept in the comment.
#
# Environment: what agor sets (AGOR_DB, BTMSG_AGENT_ID, AGOR_RUN_ID, AGOR_PROMPT with
# prompt_via: env), OLLAMA_MODEL (default llama3.2), OLLAMA_HOST (ollama's own; default
# the local server). Needs btmsg, bttask and agor on PATH (npm link), and node.

${shPrelude('model=${OLLAMA_MODEL:-llama3.2}')}

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

btmsg heartbeat >/dev/null
btmsg inbox --json >"$work/inbox.json"
mail=$(json '$.map((m) => "From " + m.from + ": " + m.content).join("\\n")' <"$work/inbox.json")
json '$.map((m) => m.id)' <"$work/inbox.json" | while read -r id; do btmsg ack "$id" >/dev/null; done

${SH_TAKE_TASK}
if [ -z "$task" ] && [ -z "$mail" ]; then
  echo "no mail, nothing ready to claim"
  exit 0
fi

{
  printf '%s\\n\\n' "\${AGOR_PROMPT:-}"
  if [ -n "$mail" ]; then printf 'Your new messages:\\n%s\\n\\n' "$mail"; fi
  if [ -n "$task" ]; then
    bttask show "$task" --json | json '[
      "Your task (" + $.task.id.slice(0, 8) + "): " + $.task.title,
      $.task.description,
      ...$.comments.map((c) => "Comment by " + c.agent + ": " + c.content),
    ].filter(Boolean).join("\\n\\n")'
  else
    echo "You have no task right now: answer your messages, with TELL lines."
  fi
} >"$work/prompt.txt"

if [ -n "$task" ]; then echo "asking $model about $(printf '%.8s' "$task")"; else echo "asking $model about the mail"; fi
${SH_HEARTBEATS}
ollama run "$model" <"$work/prompt.txt" >"$work/answer.txt"
rc=$?
kill "$beat" 2>/dev/null
cat "$work/answer.txt"
if [ "$rc" -ne 0 ]; then
  echo "ollama run $model failed (exit $rc)" >&2
  exit "$rc"
fi

# TELL lines, whether or not there is a task.
sed -n 's/^TELL \\([A-Za-z0-9][A-Za-z0-9._-]*\\): *\\(.*\\)$/\\1 \\2/p' "$work/answer.txt" |
  while read -r to text; do
    btmsg send "$to" "$text" >/dev/null || echo "could not tell $to" >&2
  done

[ -n "$task" ] || exit 0
bttask comment "$task" - <"$work/answer.txt" >/dev/null
blocked=$(sed -n 's/^BLOCKED: *//p' "$work/answer.txt" | head -n 1)
if [ -n "$blocked" ]; then
  bttask status "$task" blocked -m "$blocked" >/dev/null
  agor report --outcome blocked --reason other --evidence "$blocked" >/dev/null
  echo "blocked: $blocked"
elif grep -qE '^DONE[[:space:]]*$' "$work/answer.txt"; then
  bttask status "$task" review >/dev/null
  echo "handed in for review"
else
  agor report --outcome partial --evidence "the model did not say DONE; its answer is a comment on task $(printf '%.8s' "$task")" >/dev/null
  bttask release "$task" >/dev/null 2>&1
  echo "partial: no DONE line; task back on the board"
fi
`;
