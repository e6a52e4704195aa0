#!/bin/sh
# Appends each agor event as one JSON line to a file: a log of runs, task moves and
# failures that jq can read (jq 'select(.event == "run_end")' events.jsonl).
#
# Wire it in agor.yaml; the file is the first argument (relative to agor.yaml's
# directory), default agor-events.jsonl:
#
#   hooks:
#     run_end: ["./examples/hooks/append.sh", "events.jsonl"]
#     task_status: ["./examples/hooks/append.sh", "events.jsonl"]
#
# Hooks may run side by side; one short write with O_APPEND (>>) keeps lines whole.
set -eu
out=${1:-agor-events.jsonl}
line=$(cat)
printf '%s\n' "$line" >> "$out"
