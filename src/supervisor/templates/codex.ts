// The codex template of agor init --template, and the source of examples/ (npm run examples
// writes them; tests/unit/supervisor/templates.test.ts fails when they differ). Edit here.
import { keyringNote, sandboxNote, teamAgents } from './team.js';

export const CODEX_YAML = `# A team of Codex CLI agents: a lead who plans, two developers, and a reviewer.
# agor init --template codex writes this file (the same as examples/codex/).
#
# Copy this file to the root of your project, then:
#   export AGOR_DB=$HOME/team/agor.db
#   agor up -d && agor ps
#   agor wake lead --prompt "Plan: add a --json flag to the export command"
#
# Each run is one \`codex exec\` (non-interactive: it runs the prompt and exits), so the
# agents are on-demand. codex exec never stops to ask for approval; --sandbox
# workspace-write lets the commands it runs write only in the working directory and the
# temp dir (and use no network). btmsg and bttask write the team's database, so the directory that holds it
# ($AGOR_DB's, which agor sets) is added with --add-dir; that is why the command goes
# through sh: to compute that directory. The prompt goes to codex's standard input (\`-\`,
# prompt_via: stdin), not to an argument, which every user of the machine could read in
# /proc/PID/cmdline.
# --json writes codex's events as JSON lines as it works, so the run's log grows (agor logs
# shows them as text) and agor can tell a working agent from a stalled one.
# codex exec refuses to run outside a git repository unless given --skip-git-repo-check,
# which these commands pass so that they run in any directory. In a git repository you
# can drop it, and codex then refuses to start anywhere else (where its changes could not
# be undone with git).
# The reviewer needs the same sandbox (a review decision writes the database); its prompt
# says to change no file.
# Codex needs its own login (codex login) or OPENAI_API_KEY in the environment of agor up.
${keyringNote('OPENAI_API_KEY')}
# The standing prompt is examples/PROMPT.md.

${sandboxNote('Codex')}
#   write ~/.codex       config.toml, auth.json (its login), sessions and logs ($CODEX_HOME)
#   write /dev/ptmx      terminals for the commands it runs
#   read ~/.gitconfig    git's name and email, for the developers' commits
#   network 443          HTTPS to the API. Ports, not hosts; add your proxy's port if any.
# codex installed under your home (npm with a prefix in ~, or the standalone installer's
# ~/.local/bin/codex)? Add it to read. A path missing when a run starts is left out (with a warning).
# codex's own sandbox (--sandbox workspace-write) runs inside agor's. Landlock nests, so a
# codex that builds its sandbox with Landlock works as it stands; one that builds it with
# bubblewrap cannot (bubblewrap maps user ids and changes mounts, which a Landlock domain
# refuses): give it --enable use_legacy_landlock, or trade --sandbox workspace-write for
# --sandbox danger-full-access and leave the containment to agor's sandbox alone.
# See "man 5 agor.yaml", SANDBOX.

group: codex-team
max_concurrent: 4

${teamAgents({
  command: {
    lead: `&codex-exec ["sh", "-c", 'exec codex exec --skip-git-repo-check --sandbox workspace-write --add-dir "$(dirname "$AGOR_DB")" --json -']`,
    dev1: '*codex-exec',
    dev2: '*codex-exec',
    reviewer: '*codex-exec',
  },
  key: 'OPENAI_API_KEY',
  sandbox: { anchor: 'codex', what: "The team's sandbox", read: ['~/.gitconfig'], write: ['~/.codex', '/dev/ptmx'], network: '{ connect: [443] }' },
})}`;
