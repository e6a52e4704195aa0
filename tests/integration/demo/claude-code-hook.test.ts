// examples/claude-code/approval-hook.mjs, fed a PreToolUse payload recorded from Claude Code,
// against the built agor and a real database.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, json, runAsync, settle, tempDb } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';

const HOOK = join(ROOT, 'examples', 'claude-code', 'approval-hook.mjs');
const PAYLOAD = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'claude-code-pretooluse.json'), 'utf8')) as { tool_input: { command: string } };

function setup(onTestFinished: (fn: () => void) => void) {
  const t = tempDb();
  onTestFinished(t.cleanup);
  const config = join(t.dir, 'agor.yaml');
  writeFileSync(config, 'group: hooks\napprovals:\n  required_for: ["rm -rf *", "git push*"]\nagents:\n  dev:\n    command: ["sleep", "1"]\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AGOR_DB: t.db,
    AGOR_CONFIG: config,
    AGOR_CMD: `${process.execPath} ${join(ROOT, 'dist', 'agor.cjs')}`,
    NO_COLOR: '1',
  };
  delete env.BTMSG_AGENT_ID;
  delete env.AGOR_AGENT;
  const hook = (payload: unknown, extra: NodeJS.ProcessEnv = {}) =>
    settle(spawn(process.execPath, [HOOK], { env: { ...env, ...extra }, stdio: ['pipe', 'pipe', 'pipe'] }), { input: JSON.stringify(payload), timeout: 30_000 });
  const agor = (args: string[]) => runAsync('agor', args, { db: t.db });
  const pending = () =>
    waitFor(
      'the pending request',
      async () => json<{ id: number; action: string; detail: string }[]>(await agor(['approval', 'list', '--json'])),
      (l) => l.length === 1,
      { timeout: 10_000, interval: 100 },
    );
  return { hook, agor, pending };
}

describe.concurrent('the Claude Code PreToolUse approval hook', () => {
  it('asks for a matching Bash command and answers allow once the operator approves', async ({ onTestFinished }) => {
    const s = setup(onTestFinished);
    const answer = s.hook(PAYLOAD);
    const [p] = await s.pending();
    expect(p).toMatchObject({ action: 'rm -rf build', detail: 'Remove the stale build directory' });
    expect((await s.agor(['approve', String(p!.id), '--note', 'fine'])).code).toBe(0);
    const r = await answer;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: `approved by admin: fine (agor request ${p!.id})` },
    });
  });

  it('answers deny with the operator’s note when the request is denied', async ({ onTestFinished }) => {
    const s = setup(onTestFinished);
    const answer = s.hook(PAYLOAD);
    const [p] = await s.pending();
    expect((await s.agor(['deny', String(p!.id), '--note', 'keep the cache'])).code).toBe(0);
    const r = await answer;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: `denied by admin: keep the cache (agor request ${p!.id})`,
      },
    });
  });

  it('gives no answer, and asks nobody, for a command the policy does not name or a tool other than Bash', async ({ onTestFinished }) => {
    const s = setup(onTestFinished);
    const ls = await s.hook({ ...PAYLOAD, tool_input: { command: 'ls -la', description: 'List files' } });
    expect(ls).toEqual({ code: 0, stdout: '', stderr: '' });
    const edit = await s.hook({ ...PAYLOAD, tool_name: 'Edit', tool_input: { file_path: '/home/dev/app/x', old_string: 'a', new_string: 'b' } });
    expect(edit).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(json<unknown[]>(await s.agor(['approval', 'list', '--all', '--json']))).toEqual([]);
  });

  it('denies, failing closed, when the policy cannot be read', async ({ onTestFinished }) => {
    const s = setup(onTestFinished);
    const r = await s.hook({ ...PAYLOAD, tool_input: { command: 'ls -la' } }, { AGOR_CONFIG: '/nonexistent/agor.yaml' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringMatching(/^agor approval required failed: /),
      },
    });
    expect(json<unknown[]>(await s.agor(['approval', 'list', '--all', '--json']))).toEqual([]);
  });
});
