#!/bin/sh
# A desktop notification for an agor event (notify-send, from libnotify).
#
# Wire it in agor.yaml (path relative to agor.yaml's directory):
#
#   hooks:
#     agent_failed: ["./examples/hooks/notify.sh"]
#     run_end: { command: ["./examples/hooks/notify.sh"], outcomes: [failed, timeout, blocked] }
#     task_status: { command: ["./examples/hooks/notify.sh"], statuses: [review] }
#
# The supervisor must run inside your desktop session (DISPLAY or WAYLAND_DISPLAY set);
# agor does not hand hooks the D-Bus address, so notify-send finds the session bus at
# $XDG_RUNTIME_DIR/bus, the default on systemd desktops.
set -eu
case "$AGOR_EVENT" in
  run_end) summary="${AGOR_AGENT}: run ${AGOR_OUTCOME}" urgency=normal ;;
  agent_failed) summary="${AGOR_AGENT} failed" urgency=critical ;;
  stall) summary="${AGOR_AGENT} stalled" urgency=normal ;;
  task_status) summary="task ${TASK_ID}: ${OLD_STATUS} -> ${NEW_STATUS}" urgency=low ;;
  approval_requested) summary="${AGOR_AGENT} asks for approval #${AGOR_APPROVAL_ID}" urgency=critical ;;
  *) summary="agor: ${AGOR_EVENT}${AGOR_AGENT:+ ($AGOR_AGENT)}" urgency=low ;;
esac
# The event's JSON (stdin) as the body, cut short: a notification is a glance.
body=$(head -c 300)
exec notify-send --app-name=agor --urgency="$urgency" "$summary" "$body"
