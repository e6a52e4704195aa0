#!/bin/sh
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

set -u
manager=${AIDER_AGENT_MANAGER:-admin}
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

btmsg heartbeat >/dev/null
btmsg inbox --json | json '$.map((m) => m.id + " " + m.from + " " + m.content.replace(/\s+/g, " "))' |
  while read -r id from text; do
    echo "mail from $from: $text"
    btmsg ack "$id" >/dev/null
  done

task=$(bttask list --mine -s progress --json | json '$.filter((t) => !t.lease).slice(0, 1).map((t) => t.id)')
[ -n "$task" ] || task=$(bttask claim --json 2>/dev/null | json '$.id')
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
].filter(Boolean).join("\n\n")')

( while sleep 60; do btmsg heartbeat >/dev/null; done ) &
beat=$!
trap 'kill "$beat" 2>/dev/null' EXIT

before=$(git rev-parse HEAD 2>/dev/null || true)
aider --yes-always --message "$message"
rc=$?
kill "$beat" 2>/dev/null

if [ "$rc" -ne 0 ]; then
  bttask comment "$task" "aider exited with status $rc; giving the task back. Its output is in agor logs $me." >/dev/null
  bttask release "$task" >/dev/null
  btmsg send "$manager" "$me: aider failed on $short \"$title\" (exit $rc); task released" >/dev/null
  exit "$rc"
fi

after=$(git rev-parse HEAD 2>/dev/null || true)
if [ -n "$after" ] && [ "$after" != "$before" ]; then
  commits=$(git log --oneline "${before:+$before..}$after" | head -n 20)
  note="aider committed:
$commits"
else
  note="aider finished without a commit; see agor logs $me"
fi
printf '%s\n' "$note" | bttask comment "$task" - >/dev/null
bttask status "$task" review >/dev/null
btmsg send "$manager" "$me: $short \"$title\" is ready for review" >/dev/null
echo "handed $short in for review"
