#!/usr/bin/env node
// A Claude Code PreToolUse hook that asks the operator before risky shell commands.
//
// Claude Code runs it before each tool call with the call as JSON on stdin. For a Bash
// call whose command matches approvals.required_for of the agent's agor.yaml
// (`agor approval required`), it runs `agor approval request` and waits for the operator
// (agor approve ID / agor deny ID, the dashboard, or the relay), then answers in Claude
// Code's hook JSON: permissionDecision "allow" (the command runs without a prompt, also in
// -p mode) or "deny" (Claude sees the reason). Anything else gets no answer: Claude Code's
// own permission rules apply as without the hook.
//
// Install: copy it beside agor.yaml and add settings.json of this directory to the agents'
// .claude/settings.json; its "timeout" must exceed approvals.timeout (Claude Code's default
// for a hook is 60 s). Needs agor on PATH, or AGOR_CMD="node /path/to/agor.cjs".
import { spawn } from 'node:child_process';

const agorArgv = (process.env.AGOR_CMD || 'agor').split(/\s+/).filter(Boolean);

/** Runs agor with `args`; resolves with its exit code and stdout. */
function agor(args) {
  return new Promise((resolve) => {
    const child = spawn(agorArgv[0], [...agorArgv.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ code: 127, out, err: String(e) }));
    // Claude Code kills the hook at its timeout: the request is then withdrawn, not left pending.
    for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

function answer(decision, reason) {
  process.stdout.write(
    JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision, permissionDecisionReason: reason } }) + '\n',
  );
}

/** What a failed agor call said: its JSON error's message, else its first line. */
function failure(r) {
  try {
    return JSON.parse(r.err).error.message;
  } catch {
    return (r.err || r.out).trim().split('\n')[0];
  }
}

/** The answer for one PreToolUse call, or null to leave it to Claude Code's own rules. */
async function decide(call) {
  const command = call?.tool_name === 'Bash' ? call.tool_input?.command : undefined;
  if (typeof command !== 'string' || !command.trim()) return null;
  // Decided from the JSON, not the exit status alone: anything but a clear answer fails closed.
  const required = await agor(['approval', 'required', '--action', command, '--json']);
  let policy = null;
  try {
    policy = JSON.parse(required.out);
  } catch {
    /* no answer: denied below */
  }
  if (required.code === 1 && policy?.required === false) return null;
  if (required.code !== 0 || policy?.required !== true) return ['deny', `agor approval required failed: ${failure(required)}`];
  const detail = typeof call.tool_input.description === 'string' ? ['--detail', call.tool_input.description] : [];
  const r = await agor(['approval', 'request', '--action', command, ...detail, '--json']);
  let d = null;
  try {
    d = JSON.parse(r.out);
  } catch {
    return ['deny', `agor approval request failed: ${failure(r)}`];
  }
  const note = d.note ? `: ${d.note}` : '';
  if (r.code === 0 && d.status === 'approved') return ['allow', `approved by ${d.decided_by}${note} (agor request ${d.id})`];
  if (d.status === 'timeout') return ['deny', `no decision within the approval timeout (agor request ${d.id}); do not retry it unasked`];
  return ['deny', `${d.status} by ${d.decided_by}${note} (agor request ${d.id})`];
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
let call = null;
try {
  call = JSON.parse(input);
} catch {
  /* not a tool call: no answer */
}
// No process.exit: it could cut off the answer still in the stdout pipe.
const decision = call ? await decide(call) : null;
if (decision) answer(...decision);
