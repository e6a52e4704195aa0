#!/bin/sh
# The demo manager (role manager, on-demand: dormant until woken).
#
# Woken by mail (a worker handing work in or idle, the reviewer's tally, a restarted worker
# saying it is back) and by a schedule every 20 s. Each run reads and answers the mail, looks
# at the board, and when no task of the current job is left open, starts the next job: eight
# tasks with dependencies (`bttask add`, `bttask dep add`), one of them assigned to a worker
# (`bttask add --assign`), the rest left for whoever claims them. It tells the workers
# directly (which wakes their `btmsg wait`) and posts to #team.

. "$(dirname -- "$0")/lib.sh"

say "woken by: ${AGOR_WAKE_REASON:-?}"
show_prompt
calls=0

# The workers are the project agents of this group, as btmsg knows them.
workers=$(btmsg status --json | json '$.filter((a) => a.group === process.env.AGOR_GROUP && a.role === "project").map((a) => a.id)' | tr '\n' ' ')
reviewers=$(btmsg status --json | json '$.filter((a) => a.group === process.env.AGOR_GROUP && a.role === "reviewer").map((a) => a.id)' | tr '\n' ' ')
# #team, once: where the manager announces jobs; exit 5 means it exists already.
# shellcheck disable=SC2086
btmsg channel create team $workers $reviewers >/dev/null 2>&1

# Mail: print it; thank a worker for work handed in; acknowledge the rest.
btmsg inbox --json 2>/dev/null | json '$.map((m) => m.id + " " + m.from + " " + m.content.replace(/\s+/g, " "))' |
  while read -r id from text; do
    say "mail from $from: $text"
    case $text in
      *"ready for review"*)
        if [ "$(rand 2)" -eq 0 ]; then btmsg reply "$id" "thanks, $from" >/dev/null; else btmsg ack "$id" >/dev/null; fi ;;
      *"back after a restart"*)
        btmsg reply "$id" "welcome back, $from; your old task returns to the board when its lease lapses" >/dev/null ;;
      *) btmsg ack "$id" >/dev/null ;;
    esac
  done

# The board, done tasks included.
board=$(bttask list -a -n 100000 --json) || { say "cannot read the board; agor will retry"; exit 1; }
open=$(printf '%s' "$board" | json '$.filter((t) => t.status !== "done").length')
counts=$(printf '%s' "$board" | json '["todo", "progress", "review", "done", "blocked"].map((k) => k + " " + $.filter((t) => t.status === k).length).join(", ")')
say "board: $counts"
# The current job: the highest "job N:" on the board.
job=$(printf '%s' "$board" | json '$.reduce((n, t) => Math.max(n, Number((/^job (\d+):/.exec(t.title) || [0, 0])[1])), 0)')

if [ "$open" -eq 0 ]; then
  [ "$job" -gt 0 ] && btmsg channel send team "job $job is done: every task approved" >/dev/null
  job=$((job + 1))
  say "starting job $job"
  # add PRIORITY TITLE [bttask add options...]: creates a task and prints its id.
  add() {
    _p=$1 _t=$2
    shift 2
    bttask add "job $job: $_t" -p "$_p" -d "A demo task: nothing is built, the worker only sleeps." "$@" --json | json '$.id'
  }
  # One task goes to a worker picked at random (none registered yet: it is left free).
  # shellcheck disable=SC2086
  set -- $workers
  lucky=
  if [ $# -gt 0 ]; then
    pick=$(($(rand $#) + 1))
    eval "lucky=\${$pick}"
  fi
  api=$(add high "Sketch the API")
  schema=$(add high "Write the schema")
  ci=$(add medium "Set up CI" ${lucky:+--assign "$lucky"})
  parser=$(add medium "Implement the parser")
  store=$(add medium "Implement the store")
  tests=$(add medium "Write the tests")
  docs=$(add low "Write the docs")
  ship=$(add high "Ship release 0.$job")
  # dep add TASK DEPENDS-ON: TASK waits until DEPENDS-ON is done.
  for pair in "$parser $api" "$store $schema" "$tests $parser" "$tests $store" "$docs $api" "$ship $tests" "$ship $docs" "$ship $ci"; do
    # shellcheck disable=SC2086
    bttask dep add $pair >/dev/null || say "dep add $pair failed"
  done
  calls=8
  say "job $job: 8 tasks; ready now: $(bttask ready --json | json '$.map((t) => t.title.replace(/^job \d+: /, "")).join(", ")')"
  btmsg channel send team "job $job is on the board: 8 tasks, 3 ready; $(short "$ci") (Set up CI) is for ${lucky:-whoever claims it}" >/dev/null
  for w in $workers; do
    btmsg send "$w" "job $job is on the board: claim the next ready task with bttask claim" >/dev/null
  done
fi

report $((2000 + $(rand 2000) + calls * 400)) $((300 + $(rand 300) + calls * 80)) $((1 + calls / 4)) $((3 + calls))
say "done"
