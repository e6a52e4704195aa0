#!/bin/sh
# The demo reviewer (role reviewer, on-demand: dormant until woken).
#
# bttask messages the reviewers when a task moves to review, and the message wakes this
# agent. Each run decides every task waiting for review: approve (`bttask status ID done`)
# or, about 1 time in 4, send it back with a comment (`bttask status ID progress --comment`).
# bttask then tells the assignee and posts the verdict to #review-log.
# Knob: DEMO_REJECT_EVERY (unset: at random 1 in 4; 0: never; N: every Nth review).

. "$(dirname -- "$0")/lib.sh"

say "woken by: ${AGOR_WAKE_REASON:-?}"
show_prompt

# The review requests are in the inbox; the board says what still waits.
btmsg inbox --json 2>/dev/null | json '$.map((m) => m.id)' | while read -r id; do btmsg ack "$id" >/dev/null; done

reasons="the error messages need the file name|add a test for the empty input|the docs example does not run|rename the flag to match the others|handle the file being locked"
approved=0 sent_back=0 rounds=0
while [ "$rounds" -lt 5 ]; do
  rounds=$((rounds + 1))
  waiting=$(bttask list -s review --json 2>/dev/null | json '$.map((t) => t.id + " " + (t.assigned_to || "-") + " " + t.title)')
  [ -n "$waiting" ] || break
  printf '%s\n' "$waiting" >"$DEMO_STATE/$me.queue"
  while read -r id who title; do
    s=$(short "$id")
    say "reviewing $s \"$title\" by $who"
    pause 1
    if hit "${DEMO_REJECT_EVERY-}" "$(bump reviews)" 4; then
      why=$(printf '%s\n' "$reasons" | tr '|' '\n' | sed -n "$(($(rand 5) + 1))p")
      if bttask status "$id" progress --comment "$why" >/dev/null 2>&1; then
        say "sent $s back to $who: $why"
        sent_back=$((sent_back + 1))
      fi
    elif bttask status "$id" done >/dev/null 2>&1; then
      say "approved $s"
      approved=$((approved + 1))
    fi
  done <"$DEMO_STATE/$me.queue"
done

[ $((approved + sent_back)) -gt 0 ] && btmsg send manager "reviewer: approved $approved, sent back $sent_back" >/dev/null
report $((1500 + $(rand 3000) + approved * 900)) $((200 + $(rand 400) + approved * 150)) $((1 + approved + sent_back)) $((2 * (approved + sent_back)))
say "done: approved $approved, sent back $sent_back"
