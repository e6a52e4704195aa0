#!/bin/sh
# One run of a local model (Ollama) as a team member under agor.
#
# A model behind `ollama run` only writes text: it cannot run commands. So this wrapper
# does the team's side of the work, and the model answers in a small fixed format that the
# wrapper turns into btmsg and bttask calls, each with fixed arguments (nothing the model
# writes is run as a command):
#   - the wrapper reads the inbox, and takes a task the reviewer sent back or claims the
#     next ready one (none and no mail: exit 0 without asking the model anything);
#   - it gives the model, on standard input of `ollama run MODEL`, the standing prompt, the
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

set -u
model=${OLLAMA_MODEL:-llama3.2}
me=${BTMSG_AGENT_ID:?not run by agor: BTMSG_AGENT_ID is not set}

# json EXPR: prints EXPR over the JSON document on stdin ($), an array one element per line.
json() {
  node -e '
    let s = "";
    process.stdin.setEncoding("utf8").on("data", (d) => (s += d)).on("end", () => {
      if (!s.trim()) return;
      const $ = JSON.parse(s);
      const v = eval(process.argv[1]);
      for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined && x !== null) console.log(typeof x === "string" ? x : JSON.stringify(x));
    });' "$1"
}

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

btmsg heartbeat >/dev/null
btmsg inbox --json >"$work/inbox.json"
mail=$(json '$.map((m) => "From " + m.from + ": " + m.content).join("\n")' <"$work/inbox.json")
json '$.map((m) => m.id)' <"$work/inbox.json" | while read -r id; do btmsg ack "$id" >/dev/null; done

task=$(bttask list --mine -s progress --json | json '$.filter((t) => !t.lease).slice(0, 1).map((t) => t.id)')
[ -n "$task" ] || task=$(bttask claim --json 2>/dev/null | json '$.id')
if [ -z "$task" ] && [ -z "$mail" ]; then
  echo "no mail, nothing ready to claim"
  exit 0
fi

{
  printf '%s\n\n' "${AGOR_PROMPT:-}"
  if [ -n "$mail" ]; then printf 'Your new messages:\n%s\n\n' "$mail"; fi
  if [ -n "$task" ]; then
    bttask show "$task" --json | json '[
      "Your task (" + $.task.id.slice(0, 8) + "): " + $.task.title,
      $.task.description,
      ...$.comments.map((c) => "Comment by " + c.agent + ": " + c.content),
    ].filter(Boolean).join("\n\n")'
  else
    echo "You have no task right now: answer your messages, with TELL lines."
  fi
} >"$work/prompt.txt"

if [ -n "$task" ]; then echo "asking $model about $(printf '%.8s' "$task")"; else echo "asking $model about the mail"; fi
( while sleep 60; do btmsg heartbeat >/dev/null; done ) &
beat=$!
ollama run "$model" <"$work/prompt.txt" >"$work/answer.txt"
rc=$?
kill "$beat" 2>/dev/null
cat "$work/answer.txt"
if [ "$rc" -ne 0 ]; then
  echo "ollama run $model failed (exit $rc)" >&2
  exit "$rc"
fi

# TELL lines, whether or not there is a task.
sed -n 's/^TELL \([A-Za-z0-9][A-Za-z0-9._-]*\): *\(.*\)$/\1 \2/p' "$work/answer.txt" |
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
