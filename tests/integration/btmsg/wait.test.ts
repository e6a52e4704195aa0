import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ROOT, btmsgAsync, json } from '../../helpers/cli.js';
import { processesMentioning, watchingFiles } from '../../helpers/proc.js';
import { waitFor } from '../../helpers/wait.js';
import { type Message, jsonError, ok, send, useTeam } from './fixture.js';

describe('btmsg wait', () => {
  const t = useTeam();
  const waitAs = (agent: string, args: string[]) => btmsgAsync(['wait', ...args], { db: t.db, as: agent });
  // A spawned `wait` watches the database (inotify) before it first looks, so from then on nothing is missed.
  const watching = () => waitFor('btmsg wait to watch the database', () => processesMentioning(t.dir).some(watchingFiles), Boolean, { interval: 20 });

  it('wakes as soon as another process sends a message, and prints it', async () => {
    const waiting = waitAs('bob', ['--timeout', '30', '--json']);
    await watching();
    const sent = send(t.alice, 'bob', 'wake up');
    const sentAt = Date.now();
    const r = await waiting;
    const latency = Date.now() - sentAt;

    expect(r.code, r.stderr).toBe(0);
    const m = json<Message & { kind: string }>(r);
    expect(m).toMatchObject({ kind: 'message', id: sent.id, from: 'alice', content: 'wake up', state: 'delivered' });
    // Woken by the file change, not by the safety poll, which first fires 5 s after start.
    expect(latency).toBeLessThan(3000);
  });

  it('prints the message in full for humans', async () => {
    const waiting = waitAs('bob', ['--timeout', '30']);
    await watching();
    send(t.alice, 'bob', 'human readable');
    const r = await waiting;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/from\s+alice/);
    expect(r.stdout).toContain('human readable');
  });

  it('returns at once with a message that is still queued', async () => {
    const queued = send(t.alice, 'bob', 'sent before waiting');
    const started = Date.now();
    const r = await waitAs('bob', ['--timeout', '30', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json<Message>(r).id).toBe(queued.id);
    expect(Date.now() - started).toBeLessThan(5000);
    // Taken once: the next wait does not return it again.
    const again = await waitAs('bob', ['--timeout', '0.5']);
    expect(again.code).toBe(6);
  });

  it('exits 6 with a message on stderr when nothing arrives in time', async () => {
    const started = Date.now();
    const r = await waitAs('bob', ['--timeout', '1']);
    const took = Date.now() - started;
    expect(r.code).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no new message within 1/);
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(5000);
  });

  it('reports a timeout as a JSON error with --json', async () => {
    const r = await waitAs('bob', ['--timeout', '0.3', '--json']);
    expect(r.code).toBe(6);
    expect(jsonError(r)).toMatchObject({ code: 'timeout', exit: 6 });
  });

  it('waits only for the agent named with --from and leaves other messages queued', async () => {
    const waiting = waitAs('bob', ['--from', 'boss', '--timeout', '30', '--json']);
    await watching();
    const fromAlice = send(t.alice, 'bob', 'not this one');
    await sleep(300);
    send(t.boss, 'bob', 'this one');
    const r = await waiting;
    expect(r.code, r.stderr).toBe(0);
    expect(json<Message>(r)).toMatchObject({ from: 'boss', content: 'this one' });
    expect(ok<{ message: Message }>(t.bob(['show', fromAlice.id, '--json'])).message.state).toBe('queued');
  });

  it('waits for a new post in a channel with --channel', async () => {
    expect(t.alice(['channel', 'create', 'ops', 'bob']).code).toBe(0);
    expect(t.alice(['channel', 'send', 'ops', 'old news']).code).toBe(0);
    const waiting = waitAs('bob', ['--channel', '#ops', '--timeout', '30', '--json']);
    await watching();
    // A direct message does not end a channel wait.
    send(t.alice, 'bob', 'direct, ignored');
    await sleep(300);
    expect(t.alice(['channel', 'send', 'ops', 'fresh post']).code).toBe(0);
    const r = await waiting;
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ kind: string; channel: string; from: string; content: string }>(r)).toMatchObject({
      kind: 'channel',
      channel: 'ops',
      from: 'alice',
      content: 'fresh post',
    });
  });

  it('refuses --from and --channel together, an unknown sender and a bad timeout', async () => {
    expect(t.bob(['wait', '--from', 'alice', '--channel', 'ops']).code).toBe(2);
    expect(t.bob(['wait', '--from', 'ghost', '--timeout', '1']).code).toBe(3);
    const bad = t.bob(['wait', '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid timeout 'soon'/);
  });

  it('refuses to wait on a channel the agent is not a member of', () => {
    expect(t.alice(['channel', 'create', 'secret']).code).toBe(0);
    expect(t.carol(['wait', '--channel', 'secret', '--timeout', '1']).code).toBe(4);
  });

  it('keeps waiting with a timeout longer than one timer can hold (25d), and still wakes for a message', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AGOR_DB: t.db, BTMSG_AGENT_ID: 'bob' };
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'btmsg.cjs'), 'wait', '--timeout', '25d', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      // setTimeout with more than 2^31-1 ms fires after 1 ms: a broken wait is gone by now.
      await sleep(1500);
      expect(child.exitCode, `wait ended early: ${stderr}`).toBeNull();
      const sent = send(t.alice, 'bob', 'after a long wait');
      const code = await exited;
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ id: sent.id, content: 'after a long wait' });
    } finally {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    }
  });
});
