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

let input = '';
for await (const chunk of process.stdin) input += chunk;
let call;
try {
  call = JSON.parse(input);
} catch {
  process.exit(0);
}
const command = call?.tool_name === 'Bash' ? call.tool_input?.command : undefined;
if (typeof command !== 'string' || !command.trim()) process.exit(0);

const required = await agor(['approval', 'required', '--action', command]);
if (required.code === 1) process.exit(0);
// A broken agor.yaml or database: fail closed, and say why.
if (required.code !== 0) {
  answer('deny', `agor approval required failed: ${(required.err || required.out).trim().split('\n')[0]}`);
  process.exit(0);
}
const detail = typeof call.tool_input.description === 'string' ? ['--detail', call.tool_input.description] : [];
const r = await agor(['approval', 'request', '--action', command, ...detail, '--json']);
let decided = null;
try {
  decided = JSON.parse(r.out);
} catch {
  /* no decision printed: an error, answered below */
}
if (r.code === 0 && decided?.status === 'approved') {
  answer('allow', `approved by ${decided.decided_by}${decided.note ? `: ${decided.note}` : ''} (agor request ${decided.id})`);
} else if (decided?.status === 'timeout') {
  answer('deny', `no decision within the approval timeout (agor request ${decided.id}); do not retry it unasked`);
} else if (decided) {
  answer('deny', `denied by ${decided.decided_by}${decided.note ? `: ${decided.note}` : ''} (agor request ${decided.id})`);
} else {
  answer('deny', `agor approval request failed: ${(r.err || r.out).trim().split('\n')[0]}`);
}
