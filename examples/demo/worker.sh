#!/bin/sh
# A demo worker (role project, a service agent: agor keeps it running).
#
# Loop: read mail; take work (a task the reviewer sent back, else `bttask claim` of the next
# ready one); "work" on it in a few steps, printing progress and sending `btmsg heartbeat`
# (which renews the task's lease); comment; hand it in for review; tell the manager.
# With nothing ready, wait for mail a few seconds at a time (`btmsg wait`).
#
# Mishaps, so there is something to supervise:
#   DEMO_CRASHES=yes (set in agor.yaml): exits 1 in the middle of a task, about 1 task in 4;
#     agor restarts it with backoff, and the task's lease lapses back to the board.
#   DEMO_STALLS=yes: after handing a task in, about 1 time in 4, goes silent (no output, no
#     heartbeat) for DEMO_STALL_SECS (default 30 s, beyond its stall_after) and then recovers.
# Knobs from the environment of agor up (see examples/demo/README.md): DEMO_CRASH_EVERY,
# DEMO_STALL_EVERY, DEMO_STEP, DEMO_LEASE.

. "$(dirname -- "$0")/lib.sh"

lease=${DEMO_LEASE:-20s}
tokens_in=0 tokens_out=0 turns=0 tools=0

say "up: run $(short "${AGOR_RUN_ID:-none}"), woken by: ${AGOR_WAKE_REASON:-?}"
btmsg heartbeat >/dev/null
# A run before this one, in this database: this is a restart (after a crash, say).
# (AGOR_WAKE_REASON names the wakes that waited for the restart, not the restart itself.)
if [ -s "$DEMO_STATE/$me.run" ] && [ "$(cat "$DEMO_STATE/$me.run")" != "${AGOR_RUN_ID:-}" ]; then
  btmsg send manager "$me is back after a restart (run $(short "${AGOR_RUN_ID:-none}"))" >/dev/null
fi
echo "${AGOR_RUN_ID:-}" >"$DEMO_STATE/$me.run"

# Reads and acknowledges every unread message, printing each.
read_mail() {
  btmsg inbox --json 2>/dev/null | json '$.map((m) => m.id + " " + m.from + " " + m.content.replace(/\s+/g, " "))' |
    while read -r id from text; do
      say "mail from $from: $text"
      btmsg ack "$id" >/dev/null
    done
}

# work ID TITLE AGAIN: does the task (AGAIN=yes when the reviewer sent it back).
work() {
  id=$1 title=$2 again=$3 s=$(short "$1")
  n=$(bump tasks)
  crash=no
  [ "${DEMO_CRASHES:-no}" = yes ] && hit "${DEMO_CRASH_EVERY-}" "$n" 4 && crash=yes
  steps=$((2 + $(rand 3)))
  if [ "$again" = yes ]; then
    why=$(bttask show "$id" --json 2>/dev/null | json '$.comments.filter((c) => c.agent !== process.env.BTMSG_AGENT_ID).map((c) => c.content).pop()')
    say "reworking $s \"$title\" after review: ${why:-no comment}"
  else
    say "working on $s \"$title\" ($steps steps)"
  fi
  i=1
  while [ "$i" -le "$steps" ]; do
    pause 1
    say "  $s: step $i/$steps ($((i * 100 / steps))%)"
    btmsg heartbeat >/dev/null
    tokens_in=$((tokens_in + 800 + $(rand 2400))) tokens_out=$((tokens_out + 150 + $(rand 600)))
    turns=$((turns + 1)) tools=$((tools + 1 + $(rand 3)))
    report "$tokens_in" "$tokens_out" "$turns" "$tools"
    if [ "$crash" = yes ] && [ "$i" -eq 1 ]; then
      say "simulated crash in the middle of $s (exit 1); agor restarts me, and the task goes back to the board when its lease lapses"
      exit 1
    fi
    i=$((i + 1))
  done
  if [ "$again" = yes ]; then note="reworked as asked in review"; else note="done in $steps steps"; fi
  if ! bttask comment "$id" "$note ($me, run $(short "${AGOR_RUN_ID:-none}"))" >/dev/null; then
    say "could not comment on $s (lease lapsed?); dropping it"
    return 0
  fi
  if ! bttask status "$id" review >/dev/null; then
    say "could not hand $s in; dropping it"
    return 0
  fi
  say "handed $s in for review"
  btmsg send manager "$me: $s \"$title\" is ready for review" >/dev/null
  if [ "${DEMO_STALLS:-no}" = yes ] && hit "${DEMO_STALL_EVERY-}" "$(bump handed_in)" 4; then
    secs=${DEMO_STALL_SECS:-30}
    say "going quiet for ${secs}s (simulated stall: no output, no heartbeat)"
    sleep "$secs"
    say "back from the stall"
  fi
}

idle_told=no
while :; do
  btmsg heartbeat >/dev/null
  read_mail
  # Work the reviewer sent back first: my tasks in progress that no lease holds.
  task=$(bttask list -m -s progress --json 2>/dev/null | json '$.filter((t) => !t.lease).slice(0, 1).map((t) => t.id + " " + t.title)')
  again=yes
  if [ -z "$task" ]; then
    again=no
    task=$(bttask claim --lease "$lease" --json 2>/dev/null | json '$.id + " " + $.title')
  fi
  if [ -z "$task" ]; then
    if [ "$idle_told" = no ]; then
      say "nothing ready; telling the manager and waiting for mail"
      btmsg send manager "$me: idle, nothing ready for me" >/dev/null
      idle_told=yes
    fi
    btmsg wait --timeout 5 >/dev/null 2>&1
    continue
  fi
  idle_told=no
  work "${task%% *}" "${task#* }" "$again"
done
