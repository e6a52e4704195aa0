# Shared by the demo agents (sourced, not run). POSIX sh.
#
# agor gives every agent AGOR_DB, BTMSG_AGENT_ID, AGOR_RUN_ID, AGOR_WAKE_REASON and, here,
# AGOR_PROMPT; btmsg, bttask and agor read the first three themselves.

DEMO_DIR=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1

# Use this clone's build when there is one (a fresh clone after `npm ci && npm run build`,
# no npm link needed); otherwise btmsg, bttask and agor must be on PATH (npm link).
if [ -f "$DEMO_DIR/../../dist/btmsg.cjs" ]; then
  if [ -x "$DEMO_DIR/bin/btmsg" ]; then
    PATH="$DEMO_DIR/bin:$PATH"
    export PATH
  else
    # The wrappers lost their executable bit (an archive, a copy): the same as functions.
    btmsg() { node "$DEMO_DIR/../../dist/btmsg.cjs" "$@"; }
    bttask() { node "$DEMO_DIR/../../dist/bttask.cjs" "$@"; }
    agor() { node "$DEMO_DIR/../../dist/agor.cjs" "$@"; }
  fi
fi
for _cmd in btmsg bttask agor node; do
  command -v "$_cmd" >/dev/null 2>&1 || { echo "demo: $_cmd not found: run npm run build (or npm link) first" >&2; exit 2; }
done

me=${BTMSG_AGENT_ID:?"demo: BTMSG_AGENT_ID is not set: run me under agor (agor up -f examples/demo/agor.yaml)"}
: "${AGOR_DB:?demo: AGOR_DB is not set: run me under agor}"

# Per-agent counters that survive a restart live beside the database.
DEMO_STATE=$(dirname -- "$AGOR_DB")/demo-state
mkdir -p "$DEMO_STATE"

# say TEXT: one line of output, with the time (the supervisor counts output as a sign of life).
say() { printf '%s %s %s\n' "$(date +%H:%M:%S)" "$me" "$*"; }

# short ID: the first 8 characters, as btmsg and bttask print ids.
short() { printf '%.8s' "$1"; }

# json EXPR: reads one JSON document on stdin and prints EXPR, a JavaScript expression over
# `$` (the document); an array prints one element per line. (jq would do as well; node is
# there anyway.) Prints nothing when stdin is empty.
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

# bump NAME: adds one to this agent's counter NAME and prints it (kept across restarts).
bump() {
  _f="$DEMO_STATE/$me.$1"
  _n=$(cat "$_f" 2>/dev/null || echo 0)
  _n=$((_n + 1))
  echo "$_n" >"$_f"
  echo "$_n"
}

# rand N: a random whole number from 0 to N-1.
rand() {
  _r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
  echo $((_r % $1))
}

# hit EVERY COUNT ODDS: whether a simulated mishap happens now. EVERY is a knob from the
# environment: unset or empty, at random 1 time in ODDS; 0, never; N, on every Nth COUNT.
hit() {
  case $1 in
    '') [ "$(rand "$3")" -eq 0 ] ;;
    *[!0-9]*) echo "demo: ignoring a knob that is not a whole number: '$1'" >&2; [ "$(rand "$3")" -eq 0 ] ;;
    0) return 1 ;;
    *) [ $(($2 % $1)) -eq 0 ] ;;
  esac
}

# pause BASE: sleeps BASE to BASE+1 seconds (DEMO_STEP scales BASE; default 1).
pause() {
  sleep $(( $1 * ${DEMO_STEP:-1} + $(rand 2) ))
}

# cost IN OUT: the price of so many tokens at made-up rates ($3 and $15 per million), in dollars.
cost() { awk -v i="$1" -v o="$2" 'BEGIN { printf "%.4f", i * 3 / 1e6 + o * 15 / 1e6 }'; }

# report IN OUT TURNS TOOLS: tells agor this run's (fake) usage, so `agor runs` has figures.
report() {
  agor report --tokens-in "$1" --tokens-out "$2" --cost "$(cost "$1" "$2")" \
    --turns "$3" --tool-calls "$4" --context "$(awk -v t="$1" 'BEGIN { c = t / 200000; if (c > 0.95) c = 0.95; printf "%.2f", c }')" >/dev/null ||
    say "(agor report failed)"
}

# show_prompt: the first lines of the prompt agor gave this run (why it was woken).
show_prompt() {
  [ -n "${AGOR_PROMPT:-}" ] || return 0
  printf '%s\n' "$AGOR_PROMPT" | sed -n '1,8s/^/    | /p'
}
