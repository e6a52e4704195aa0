// The sh that the wrapper scripts of the aider and ollama templates share: each does the
// team's side of the work (inbox, claim, heartbeats) around a tool that cannot run btmsg and
// bttask itself. Each script is still written out whole, so that it can be copied alone.

/** sh: the opening of a wrapper: `vars` (its own settings), $me (it refuses to run outside agor) and json. */
export const shPrelude = (vars: string): string => `set -u
${vars}
me=\${BTMSG_AGENT_ID:?not run by agor: BTMSG_AGENT_ID is not set}

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
}`;

/** sh: sets $task to this agent's task that the reviewer sent back (in progress, no lease), else claims the next ready one; empty when there is none. */
export const SH_TAKE_TASK = `task=$(bttask list --mine -s progress --json | json '$.filter((t) => !t.lease).slice(0, 1).map((t) => t.id)')
[ -n "$task" ] || task=$(bttask claim --json 2>/dev/null | json '$.id')`;

/** sh: sends btmsg heartbeat every minute in the background (pid in $beat), which renews the task's lease while the tool works. */
export const SH_HEARTBEATS = `( while sleep 60; do btmsg heartbeat >/dev/null; done ) &
beat=$!`;
