/**
 * The commented agor.yaml that `agor init` writes. It must parse as it stands, with
 * nothing but sh, echo and sleep, so `agor up` works on any Linux box before the user
 * has edited a line; tests/unit/supervisor/template.test.ts holds its comments to what
 * parseConfig does. Keep it free of backslashes and `${`: this is a template literal.
 */
export const EXAMPLE_CONFIG = `# agor.yaml: the agents of one team, run by the agor supervisor ("agor up").
# Every key is described in "man 5 agor.yaml". A bad file is refused with its
# file:line, the key, and what is allowed there.
#
# Durations are a number and a unit (500ms, 30s, 15m, 2h, 1d) or a plain number
# of seconds.
#
# Each agent runs in its own process group, its output in a log file per run. It
# inherits agor's environment, plus its env (below), plus these variables:
#   AGOR_DB           the SQLite file of the team; btmsg and bttask use it
#   BTMSG_AGENT_ID    the agent's id, so btmsg and bttask know who is calling
#   AGOR_RUN_ID       the id of this run
#   AGOR_WAKE_REASON  why this run started (a message, a task, a schedule, agor wake)
#   AGOR_PROMPT       the prompt, when prompt_via is env
#   TMPDIR            a temporary directory of its own, which its sandbox lets it write

# The team: its agents are registered in this btmsg group. Required; 1-64 letters,
# digits, dots, dashes or underscores.
group: demo

# At most this many agents run at once; further wakes wait (default 8; 1 to 10000).
max_concurrent: 8

# Commands run on events, as git runs hooks: run_end, agent_failed, stall, wake,
# task_status, approval_requested, dead_letter. Each is an argv list (no shell
# unless you run one) that gets the event as JSON on its standard input; its
# output goes to hooks/GROUP.log beside the database. See HOOKS in
# "man 5 agor.yaml" (default none).
# hooks: { run_end: ["sh", "-c", "cat >> runs.jsonl"] }

# OpenTelemetry traces over OTLP/HTTP: a span per run, wake, control request, hook
# and approval wait, sent to ENDPOINT/v1/traces (Jaeger, Tempo, a collector).
# AGOR_OTLP_ENDPOINT overrides it. See TRACES in "man 5 agor.yaml" (default none).
# otlp: { endpoint: "http://127.0.0.1:4318" }

# Human approvals: actions an agent asks the operator about before it acts (its
# pre-action hook checks with agor approval required, then waits in agor approval
# request until agor approve or agor deny; a timeout denies), and ones approved at
# once. * matches any text. Per agent too. See APPROVALS in "man 5 agor.yaml".
# approvals: { required_for: ["rm -rf *", "git push*"], auto_approve: [], timeout: 10m }

# Budgets on what agents report with agor report --cost/--tokens-in/--tokens-out:
# when one is spent no new run starts (wakes wait) until local midnight or the 1st;
# on_exceed: stop also stops the runs going. Per agent too. See BUDGETS in
# "man 5 agor.yaml"; agor budget shows spending. Days start in this time zone
# (default: the machine's).
# timezone: Europe/Berlin
# budget: { daily: 20.00, monthly: 300.00, tokens: { daily: 5000000 }, on_exceed: wait }

# Desktop notifications (through notify-send, when a notification service answers)
# and the dashboard's terminal bell when an agent fails, stalls, hits a limit or its
# budget, asks for approval, or a conflict appears; rate-limited, so a crash loop is
# one notification. All on by default; notify: off turns them off. See NOTIFICATIONS
# in "man 5 agor.yaml".
# notify: { desktop: auto, bell: true, rate: 1/min }

# A git worktree per agent, on its own branch (agor/<id>) from base, so agents of one
# repository never overwrite each other's files; true uses the repository of each
# agent's cwd. Per agent too (worktree: false opts out). See WORKTREES in
# "man 5 agor.yaml" (default none).
# worktree: { base: main, branch: "agor/{agent}" }

# One entry per agent, keyed by its id (1-64 letters, digits, dots, dashes or
# underscores; "admin" is the built-in operator and cannot be declared).
agents:
  manager:
    # Display name (default: the id).
    name: Manager
    # manager, architect, tester, reviewer or project (default project).
    # Contacts follow the role: a manager reaches everyone; the tier-1 roles
    # (manager, architect, tester, reviewer) reach each other; project agents
    # reach the manager. Everyone reaches admin.
    role: manager
    # Required. The program and its arguments as a list (argv; no shell unless
    # you run one): an executable path or a name on PATH, then its arguments.
    # "{prompt}" in any argument is replaced by the prompt. Real agents:
    # command: ["claude", "-p", "{prompt}"]
    # command: ["codex", "exec", "{prompt}"]
    # command: ["aider", "--yes-always", "--message", "{prompt}"]
    command:
      - sh
      - -c
      - 'echo "woken: $AGOR_WAKE_REASON"; echo "$AGOR_PROMPT"; btmsg inbox || true'
    # How the prompt reaches the program: arg (it replaces "{prompt}"), stdin
    # (written to its standard input, then closed) or env (in $AGOR_PROMPT).
    # Default: arg when the command contains "{prompt}", else env.
    prompt_via: env
    # The standing prompt: a persistent agent is resumed with it, and every wake
    # prompt starts with it, then says why the agent was woken (default none).
    prompt: >-
      You manage the demo team. Read your messages with btmsg inbox, keep the
      board with bttask, and ask admin when you are stuck.
    # service: kept running, and restarted when it exits. on-demand: dormant
    # until woken, one run per wake (default service).
    mode: on-demand
    # Wall clock per run; a run still going then is stopped, outcome timeout.
    # 1s to 7d; default 30m for on-demand agents, none for service agents.
    # timeout: 30m
    # Cron schedules that wake the agent. A missed schedule fires once after
    # downtime, not once per missed slot.
    schedules:
      # Five fields (minute hour day-of-month month day-of-week), or six with
      # seconds first. Here: 09:00 Monday to Friday.
      - cron: "0 9 * * 1-5"
        # An IANA time zone (default the machine's zone).
        tz: UTC
        # The wake prompt (default "Scheduled run (<cron> <tz>).").
        prompt: Morning round. Check the board and plan the day.
        # Wall clock of this run (default the agent's timeout when set, else 25m).
        timeout: 20m
    wake:
      # persistent: resumed with the same standing prompt. on-demand: a fresh
      # run per wake, whose prompt says why. smart: on-demand, but only when the
      # wake score reaches the threshold (default on-demand).
      strategy: on-demand
      # For smart, 0 to 1 (default 0.5). The score is the weight of the strongest
      # signal: attention spike 1.0, context pressure cluster 0.9, burn-rate
      # anomaly 0.8, task queue pressure 0.7, review backlog 0.6, periodic floor 0.1.
      # threshold: 0.5

  worker:
    role: project
    # A stand-in for a real agent: says it is up, then sends a heartbeat every
    # minute until it is stopped.
    command:
      - sh
      - -c
      - "echo up; while :; do btmsg heartbeat >/dev/null 2>&1 || true; sleep 60; done"
    mode: service
    # Working directory, relative to this file's directory (default that directory).
    # cwd: .
    # Extra environment variables, NAME: value (default none).
    # env: { LOG_LEVEL: debug }
    # The model the agent uses, recorded with the agent; agor does not add it to
    # the command (default none).
    # model: claude-sonnet-4-5
    # Agents this one may message besides its role's contacts: ids of this file,
    # or admin (default none).
    # contacts: [manager]
    # When a service agent exits, it is started again after a pause.
    restart:
      # Failed restarts in a row before the agent is failed, until agor restart
      # (default 5; 0 to 1000).
      max_retries: 5
      # The first pause, doubled each time: 1s 2s 4s 8s 16s (default 1s; 0 to 1h).
      backoff: 1s
      # The longest pause (default 30s; up to 1d, not below backoff).
      backoff_cap: 30s
      # Running this long resets the count (default 5m; 1s to 1d).
      stable_after: 5m
    # No output and no heartbeat for this long: stalled (default 15m; 1s to 7d).
    stall_after: 15m
    # What happens to a stalled agent: none (it is shown), restart or kill
    # (default none).
    on_stall: none
    # A service agent runs until it is stopped unless a timeout is set.
    # timeout: 8h
    # Stopping is SIGTERM to the process group, then SIGKILL after this long
    # (default 10s; 0 to 10m).
    # stop_grace: 10s
    # The sandbox (Landlock and seccomp), on even when this block is absent: the
    # agent may read and write its cwd, its own TMPDIR and agor's data directory
    # (the database, for btmsg and bttask), and read and run the system's programs
    # (/usr, /bin, /lib, /etc), node and agor. Nothing else: not the rest of your
    # home. "sandbox: off" turns it off. See SANDBOX in "man 5 agor.yaml".
    sandbox:
      # required: refuse to start the agent when the kernel cannot enforce all of
      # this (the run fails, class sandbox). best-effort: run with what the kernel
      # offers, warn once, and record it in the run. off: no sandbox, limits still
      # apply (default best-effort).
      mode: best-effort
      # More paths the agent may read and run, added to those above (default
      # none). A leading ~ is your home; a relative path starts at the cwd. Name
      # what the tool needs, such as [~/.claude]: Landlock only allows, so an
      # allowed directory cannot have a forbidden part, and ~ or / is refused.
      read: []
      # More paths the agent may also write, such as [~/.claude, ../shared]
      # (default none).
      write: []
      # TCP the agent may use: all, none, or only some ports, as in
      # { connect: [443], bind: [] }. Ports, not hosts; needs Linux 6.7 (default all).
      network: all
      # deny: no Unix-domain sockets, so no way to agor's control socket or to the
      # D-Bus session bus (and the keyring); allow: as any program (default deny).
      unix_sockets: deny
    # Resource limits, none by default: memory (K, M, G or T) for the agent and
    # everything it starts; pids, its processes and threads; cpu_time, CPU time per
    # process; open_files, descriptors per process. A run ended by one fails with
    # class limit. Leave room: a limit too tight for the tool fails good runs.
    # limits: { memory: 2G, pids: 512, cpu_time: 2h, open_files: 4096 }
    # Run the agent as another Unix user (default: agor's own user) and group
    # (default: that user's group), which keeps agents out of each other's files
    # and /proc/PID/environ. Only when agor runs as root.
    # user: agent1
    # group: agents
    # Secrets from the OS keyring, each handed to the run as an environment
    # variable and nowhere else (not argv, not the database, not agor ps). Store
    # one first with: agor secret set GITHUB_TOKEN (add --agent worker for this
    # agent only; its own shadows the group's). { name, from } renames one. A
    # secret the keyring lacks keeps the agent from starting (class secrets).
    # See SECRETS in "man 5 agor.yaml" (default none).
    # secrets: [GITHUB_TOKEN, { name: GH_TOKEN, from: GITHUB_TOKEN }]
    # This agent's own hooks, run besides the group's for events about it; the
    # long form filters run_end by outcome (default none).
    # hooks: { run_end: { command: ["sh", "-c", "cat >> failed.jsonl"], outcomes: [failed] } }
    # This agent's approvals policy; each key replaces the group's (default: the group's).
    # approvals: { required_for: ["npm publish*"] }
    # This agent's own budget, besides the group's (US dollars; default none).
    # budget: { daily: 5.00, on_exceed: stop }
    # This agent's own git worktree (see the group's worktree: above; default the group's).
    # worktree: true
`;
