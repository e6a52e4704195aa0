#!/bin/sh
# Posts the agor event (the JSON on stdin, unchanged) to a webhook with curl.
#
# Wire it in agor.yaml, with the URL in the supervisor's environment (not in agor.yaml,
# which is often committed):
#
#   hooks:
#     run_end: ["./examples/hooks/webhook.sh"]
#     dead_letter: ["./examples/hooks/webhook.sh"]
#
#   WEBHOOK_URL=https://hooks.example.com/agor agor up -d
#
# AGOR_* variables of the supervisor are not handed to hooks, so name it otherwise:
# this script reads WEBHOOK_URL. curl fails (exit 22) on an HTTP error, so agor audits it
# as hook_failed; --max-time stays under the hook's 30 s timeout.
set -eu
: "${WEBHOOK_URL:?set WEBHOOK_URL in the environment of agor up}"
exec curl --silent --show-error --fail --max-time 20 \
  -H 'Content-Type: application/json' -H "X-Agor-Event: ${AGOR_EVENT}" \
  --data-binary @- "$WEBHOOK_URL"
