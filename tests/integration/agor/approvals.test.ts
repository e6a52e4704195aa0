import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { btmsg, json, runAsync, tempDb } from '../../helpers/cli.js';
import { AGOR_SH, EXIT, group, refused, sh, sleep, waitFor, waitGone } from './fixture.js';

interface Approval {
  id: number;
  agent: string;
  run_id: string | null;
  action: string;
  status: string;
  decided_by: string | null;
  note: string | null;
}

/** A fresh database, and agor on it. */
function fresh(onTestFinished: (fn: () => void) => void) {
  const t = tempDb();
  onTestFinished(t.cleanup);
  const agor = (args: string[], o: Parameters<typeof runAsync>[2] = {}) => runAsync('agor', args, { db: t.db, timeout: 30_000, ...o });
  const pending = async () => json<Approval[]>(await agor(['approval', 'list', '--json']));
  const waitPending = (n = 1) => waitFor(`${n} pending request(s)`, pending, (l) => l.length === n, { timeout: 10_000, interval: 100 });
  const audit = async () => json<{ agent: string; type: string; detail: Record<string, unknown> }[]>(await agor(['audit', '--type', 'approval_*', '--json']));
  return { ...t, agor, pending, waitPending, audit };
}

describe.concurrent('agor approvals', () => {
  it('blocks a request until the operator approves it, then exits 0 with the note; both steps are audited with who decided', async ({ onTestFinished }) => {
    const f = fresh(onTestFinished);
    const waiting = f.agor(['approval', 'request', '--action', 'rm -rf build', '--detail', 'clean rebuild', '--json']);
    const [p] = await f.waitPending();
    expect(p).toMatchObject({ agent: 'admin', action: 'rm -rf build', status: 'pending' });
    const text = await f.agor(['approval', 'list']);
    expect(text.stdout).toMatch(/rm -rf build\s+clean rebuild\s+\d+s ago\s+in \d+m/);

    const decided = await f.agor(['approve', String(p!.id), '--note', 'go ahead', '--json']);
    expect(decided.code, decided.stderr).toBe(0);
    const r = await waiting;
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(json<Approval>(r)).toMatchObject({ id: p!.id, status: 'approved', decided_by: 'admin', note: 'go ahead' });
    expect(await f.pending()).toEqual([]);
    expect((await f.audit()).map((a) => [a.agent, a.type, a.detail.by ?? null])).toEqual([
      ['admin', 'approval_requested', null],
      ['admin', 'approval_approved', 'admin'],
    ]);
    // Decided once: a second decision is a conflict.
    refused(await f.agor(['deny', String(p!.id)]), EXIT.CONFLICT, /already approved \(by admin\)/);
    refused(await f.agor(['approve', '999']), EXIT.NOT_FOUND, /no approval request 999/);
  });

  it('exits 4 when denied and prints the decision and note', async ({ onTestFinished }) => {
    const f = fresh(onTestFinished);
    const waiting = f.agor(['approval', 'request', '--action', 'git push --force']);
    const [p] = await f.waitPending();
    expect((await f.agor(['deny', String(p!.id), '--note', 'not on main'])).code).toBe(0);
    const r = await waiting;
    expect(r.code).toBe(EXIT.NOT_PERMITTED);
    expect(r.stdout).toBe(`request ${p!.id} denied by admin: git push --force (not on main)\n`);
    expect((await f.audit()).map((a) => a.type)).toEqual(['approval_requested', 'approval_denied']);
  });

  it('times out (exit 6) when nobody decides within --timeout, which denies; the timeout is audited', async ({ onTestFinished }) => {
    const f = fresh(onTestFinished);
    const started = Date.now();
    const r = await f.agor(['approval', 'request', '--action', 'drop table', '--timeout', '1500ms', '--json']);
    expect(r.code).toBe(EXIT.TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(json<Approval>(r)).toMatchObject({ status: 'timeout' });
    refused(await f.agor(['approve', String(json<Approval>(r).id)]), EXIT.CONFLICT, /already timeout/);
    expect((await f.audit()).map((a) => a.type)).toEqual(['approval_requested', 'approval_timeout']);
    refused(await f.agor(['approval', 'request', '--action', 'x', '--timeout', '25h']), EXIT.USAGE, /invalid --timeout/);
  });

  it('cancels the request when the waiting command gets SIGTERM', async ({ onTestFinished }) => {
    const f = fresh(onTestFinished);
    const { spawn } = await import('node:child_process');
    const { AGOR } = await import('./fixture.js');
    const child = spawn(process.execPath, [AGOR, 'approval', 'request', '--action', 'reboot', '--db', f.db], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const [p] = await f.waitPending();
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const all = json<Approval[]>(await f.agor(['approval', 'list', '--all', '--json']));
    expect(all).toMatchObject([{ id: p!.id, status: 'cancelled' }]);
    expect((await f.audit()).map((a) => a.type)).toEqual(['approval_requested', 'approval_cancelled']);
  });

  it("refuses an agent deciding a request, its own or another's (exit 4, audited); a manager may decide another's", async ({ onTestFinished }) => {
    const f = fresh(onTestFinished);
    for (const [id, role] of [
      ['worker', 'project'],
      ['boss', 'manager'],
    ])
      expect(btmsg(['register', id!, id!, role!, 'demo'], { db: f.db }).code).toBe(0);
    const own = f.agor(['approval', 'request', '--action', 'rm -rf /tmp/x', '--timeout', '20s'], { as: 'worker' });
    const [p] = await f.waitPending();
    expect(p!.agent).toBe('worker');
    refused(await f.agor(['approve', String(p!.id)], { as: 'worker' }), EXIT.NOT_PERMITTED, /worker \(project\) may not decide approval requests/);
    const denied = await f.agor(['audit', '--type', 'permission_denied', '--json']);
    expect(json<{ agent: string }[]>(denied)).toMatchObject([{ agent: 'worker', detail: { action: 'approve', target: String(p!.id) } }]);
    expect((await f.pending()).map((x) => x.status)).toEqual(['pending']);
    expect((await f.agor(['approve', String(p!.id)], { as: 'boss' })).code).toBe(0);
    expect((await own).code).toBe(EXIT.OK);
    const bossOwn = f.agor(['approval', 'request', '--action', 'deploy', '--timeout', '20s'], { as: 'boss' });
    const [q] = await f.waitPending();
    refused(await f.agor(['approve', String(q!.id)], { as: 'boss' }), EXIT.NOT_PERMITTED, /boss may not decide its own request/);
    expect((await f.agor(['deny', String(q!.id)])).code).toBe(0);
    expect((await bossOwn).code).toBe(EXIT.NOT_PERMITTED);
  });

  it('approves at once what approvals.auto_approve matches (decided by policy), and answers approval required from required_for', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: { worker: { command: sh('sleep 1') } },
    });
    g.write(
      [
        'group: test',
        'approvals:',
        '  required_for: ["rm -rf *", "git push*"]',
        '  auto_approve: ["git push origin feature/*"]',
        'agents:',
        '  worker:',
        '    command: ["sleep", "1"]',
        '  strict:',
        '    command: ["sleep", "1"]',
        '    approvals: { auto_approve: [] }',
      ].join('\n'),
    );
    const auto = await g.agor(['approval', 'request', '-f', g.file, '--action', 'git push origin feature/x', '--json'], { as: 'worker' });
    expect(auto.code, auto.stderr).toBe(EXIT.OK);
    expect(json<Approval>(auto)).toMatchObject({ status: 'approved', decided_by: 'policy' });
    const req = (action: string, as: string) => g.agor(['approval', 'required', '-f', g.file, '--action', action], { as });
    expect((await req('git push origin main', 'worker')).code).toBe(0);
    expect((await req('rm -rf build', 'worker')).code).toBe(0);
    expect((await req('ls -la', 'worker')).code).toBe(1);
    // The agent's own approvals: replace the group's key by key: strict inherits required_for, not auto_approve.
    expect((await req('rm -rf build', 'strict')).code).toBe(0);
    const strict = g.agor(['approval', 'request', '-f', g.file, '--action', 'git push origin feature/x', '--timeout', '1s'], { as: 'strict' });
    expect((await strict).code).toBe(EXIT.TIMEOUT);
    const bad = g.write('group: test\napprovals:\n  required_for: [1]\nagents:\n  worker:\n    command: ["sleep", "1"]\n');
    refused(
      await g.agor(['approval', 'required', '-f', bad, '--action', 'x']),
      EXIT.USAGE,
      /agor\.yaml:3: approvals\.required_for\[0\]: must be a non-empty pattern string/,
    );
  });

  it('keeps a waiting agent from being marked stalled: the request beats its run', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        asker: {
          command: sh(`echo asking; ${AGOR_SH} approval request --action deploy --timeout 60s > decision.txt; echo "rc=$?" > rc.txt; exec sleep 300`),
          stall_after: '2s',
          stop_grace: '1s',
        },
      },
    });
    await g.up();
    const c = await g.connect();
    expect((await c.request('subscribe')).ok).toBe(true);
    const [p] = await waitFor(
      'the pending request',
      async () => json<Approval[]>(await g.agor(['approval', 'list', '--json'])),
      (l) => l.length === 1,
      { timeout: 10_000, interval: 100 },
    );
    const a = await g.agent('asker');
    expect(p).toMatchObject({ agent: 'asker', run_id: a.run_id, action: 'deploy' });
    // Twice stall_after, without a byte of output.
    await sleep(4500);
    expect(c.lines.filter((l) => l.event === 'stall')).toEqual([]);
    expect((await g.agent('asker')).state).toBe('running');
    expect((await g.agor(['approve', String(p!.id)])).code).toBe(0);
    const rc = join(g.dir, 'rc.txt');
    await waitFor(
      'the agent to see the decision',
      () => existsSync(rc) && readFileSync(rc, 'utf8'),
      (t) => t === 'rc=0\n',
    );
    expect(readFileSync(join(g.dir, 'decision.txt'), 'utf8')).toMatch(/approved by admin: deploy/);
  });

  it('keeps a pending request across a supervisor killed with SIGKILL and restarted; the approval then reaches the agent', async ({ onTestFinished }) => {
    const g = group(onTestFinished, {
      agents: {
        asker: {
          command: sh(`${AGOR_SH} approval request --action "npm publish" --timeout 60s; echo "rc=$?" > rc.txt; exec sleep 300`),
          stop_grace: '1s',
        },
      },
    });
    const first = await g.up();
    const list = async () => json<Approval[]>(await g.agor(['approval', 'list', '--json']));
    const [p] = await waitFor('the pending request', list, (l) => l.length === 1, { timeout: 10_000, interval: 100 });
    process.kill(first.pid, 'SIGKILL');
    await waitGone(first.pid, 'the first supervisor');
    const second = await g.up();
    expect(second.pid).not.toBe(first.pid);
    expect(await list()).toMatchObject([{ id: p!.id, status: 'pending', agent: 'asker' }]);
    expect((await g.agor(['approve', String(p!.id)])).code).toBe(0);
    const rc = join(g.dir, 'rc.txt');
    await waitFor(
      'the agent to see the decision',
      () => existsSync(rc) && readFileSync(rc, 'utf8'),
      (t) => t === 'rc=0\n',
    );
    // The same run throughout: the agent was adopted, not started again.
    expect(await g.runs('asker')).toHaveLength(1);
  });
});
